"""Local fakes of the CRMs' APIs, for the tests, `manage.py bench` and trying the sync
(`manage.py crm_fake`). Shaped after the vendors' public API documentation; they serve only
127.0.0.1 and keep everything in memory."""

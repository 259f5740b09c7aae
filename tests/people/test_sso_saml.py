"""Company sign-in with SAML 2.0, end to end through django-allauth and python3-saml.

There is no SAML identity provider to run here, so the test plays one, as small as SAML
allows: its metadata is served over HTTP on 127.0.0.1 (Forcerank reads it from the URL, as
from Okta or Entra ID), and it answers Forcerank's authentication request with a response
whose assertion it signs with xmlsec. What is verified is Forcerank's side for real:
signature, issuer, audience, destination, validity window and InResponseTo.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.urls import reverse
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from accounts.models import Role, User
from budgets.models import AuditEntry
from config.sso import socialaccount_providers
from people.models import GroupRole

pytestmark = pytest.mark.django_db

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
# python3-saml wants a dotted host or an address in its URLs: "testserver" will not do.
HOST = "127.0.0.1"
ACS = f"http://{HOST}/sso/saml/acme-saml/acs/"
SP_ENTITY = f"http://{HOST}/sso/saml/acme-saml/metadata/"


def _key_and_certificate(common_name: str) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


class SamlIdentityProvider:
    """Metadata on 127.0.0.1, and signed answers to Forcerank's requests."""

    def __init__(self, url: str, key: str, certificate: str) -> None:
        self.url = url
        self.entity_id = f"{url}/idp"
        self.key = key
        self.certificate = certificate

    def metadata(self) -> bytes:
        body = "".join(self.certificate.strip().splitlines()[1:-1])
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{self.entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="{SAMLP}">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
      Location="{self.url}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>""".encode()

    def answer(
        self,
        authn_request_url: str,
        *,
        email: str,
        name: str,
        groups: list[str],
        signing_key: tuple[str, str] | None = None,
        audience: str = SP_ENTITY,
    ) -> dict[str, str]:
        """The form fields the browser posts to Forcerank's assertion consumer: a response
        to the request in `authn_request_url`, its assertion signed with the provider's key
        (or with `signing_key`)."""
        query = parse_qs(urlsplit(authn_request_url).query)
        request_xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
        request = etree.fromstring(request_xml)
        request_id = request.get("ID")
        assert request.get("AssertionConsumerServiceURL") == ACS
        now = dt.datetime.now(dt.UTC)

        def instant(moment: dt.datetime) -> str:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

        values = "".join(
            f"<saml:AttributeValue>{escape(group)}</saml:AttributeValue>" for group in groups
        )
        assertion = f"""<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a{uuid.uuid4().hex}" Version="2.0" IssueInstant="{instant(now)}">
  <saml:Issuer>{self.entity_id}</saml:Issuer>
  <saml:Subject>
    <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{escape(email)}</saml:NameID>
    <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
      <saml:SubjectConfirmationData NotOnOrAfter="{instant(now + dt.timedelta(minutes=5))}" Recipient="{ACS}" InResponseTo="{request_id}"/>
    </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotBefore="{instant(now - dt.timedelta(minutes=1))}" NotOnOrAfter="{instant(now + dt.timedelta(minutes=5))}">
    <saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AuthnStatement AuthnInstant="{instant(now)}" SessionIndex="_s{uuid.uuid4().hex}">
    <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
  </saml:AuthnStatement>
  <saml:AttributeStatement>
    <saml:Attribute Name="email"><saml:AttributeValue>{escape(email)}</saml:AttributeValue></saml:Attribute>
    <saml:Attribute Name="displayName"><saml:AttributeValue>{escape(name)}</saml:AttributeValue></saml:Attribute>
    <saml:Attribute Name="groups">{values}</saml:Attribute>
  </saml:AttributeStatement>
</saml:Assertion>"""
        key, certificate = signing_key or (self.key, self.certificate)
        signed = OneLogin_Saml2_Utils.add_sign(assertion, key, certificate)
        signed_text = signed.decode() if isinstance(signed, bytes) else signed
        response = f"""<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{uuid.uuid4().hex}" Version="2.0" IssueInstant="{instant(now)}" Destination="{ACS}" InResponseTo="{request_id}">
  <saml:Issuer>{self.entity_id}</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  {signed_text}
</samlp:Response>"""
        return {
            "SAMLResponse": base64.b64encode(response.encode()).decode(),
            "RelayState": query.get("RelayState", [""])[0],
        }


@pytest.fixture(scope="module")
def saml_keys() -> tuple[str, str]:
    return _key_and_certificate("Test SAML identity provider")


@pytest.fixture
def saml_idp(settings, saml_keys) -> Iterator[SamlIdentityProvider]:
    holder: dict[str, SamlIdentityProvider] = {}

    class Metadata(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = holder["idp"].metadata()
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    idp = holder["idp"] = SamlIdentityProvider(f"http://127.0.0.1:{server.server_port}", *saml_keys)
    entry = {
        "id": "acme-saml",
        "name": "Acme SAML",
        "metadata_url": f"{idp.url}/metadata",
        "entity_id": idp.entity_id,
    }
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers("", json.dumps([entry]))
    try:
        yield idp
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def client(client):
    client.defaults["HTTP_HOST"] = HOST  # browsers always send it; SAML reads it
    return client


@pytest.fixture
def mapping(make_user):
    return GroupRole.objects.create(
        provider_id="acme-saml", group="Forcerank Product", role=Role.PRODUCT_MANAGER
    )


def start(client) -> str:
    response = client.post(reverse("saml_login", kwargs={"organization_slug": "acme-saml"}))
    assert response.status_code == 302, response.content[:500]
    return response.url


def finish(client, fields: dict[str, str]):
    consumed = client.post(reverse("saml_acs", kwargs={"organization_slug": "acme-saml"}), fields)
    assert consumed.status_code == 302
    return client.get(consumed.url)


def test_it_signs_in_with_saml_and_creates_the_person(client, saml_idp, mapping):
    request_url = start(client)
    assert request_url.startswith(f"{saml_idp.url}/sso?SAMLRequest=")

    response = finish(
        client,
        saml_idp.answer(
            request_url, email="sam@acme.test", name="Sam Saml", groups=["forcerank product"]
        ),
    )

    assert response.status_code == 302, response.content[:1000]
    assert response.url == reverse("dashboard")
    person = User.objects.get(email="sam@acme.test")
    assert (person.full_name, person.role) == ("Sam Saml", Role.PRODUCT_MANAGER)
    assert client.session["_auth_user_id"] == str(person.pk)
    assert AuditEntry.objects.get(person=person).action == AuditEntry.Action.PERSON_PROVISIONED


def test_it_refuses_an_assertion_signed_by_another_key(client, saml_idp, mapping):
    request_url = start(client)
    forged = saml_idp.answer(
        request_url,
        email="sam@acme.test",
        name="Sam",
        groups=["Forcerank Product"],
        signing_key=_key_and_certificate("Someone else"),
    )

    response = finish(client, forged)

    assert response.status_code == 400
    assert "could not verify the answer from Acme SAML" in response.text
    assert not User.objects.filter(email="sam@acme.test").exists()


def test_it_refuses_an_assertion_changed_after_signing(client, saml_idp, mapping):
    request_url = start(client)
    fields = saml_idp.answer(request_url, email="sam@acme.test", name="Sam", groups=["Nobody"])
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    fields["SAMLResponse"] = base64.b64encode(
        xml.replace(">Nobody<", ">Forcerank Product<").encode()
    ).decode()

    response = finish(client, fields)

    assert response.status_code == 400
    assert not User.objects.filter(email="sam@acme.test").exists()


def test_it_refuses_an_assertion_meant_for_another_service(client, saml_idp, mapping):
    request_url = start(client)
    fields = saml_idp.answer(
        request_url,
        email="sam@acme.test",
        name="Sam",
        groups=["Forcerank Product"],
        audience="https://other-app.test/saml",
    )

    assert finish(client, fields).status_code == 400
    assert not User.objects.filter(email="sam@acme.test").exists()


def test_it_refuses_an_answer_to_a_request_this_browser_did_not_make(client, saml_idp, mapping):
    from django.test import Client

    request_url = start(Client(HTTP_HOST=HOST))  # someone else's sign-in
    fields = saml_idp.answer(
        request_url, email="sam@acme.test", name="Sam", groups=["Forcerank Product"]
    )

    response = finish(client, fields)

    assert response.status_code == 400
    assert "This sign-in has expired" in response.text
    assert not User.objects.filter(email="sam@acme.test").exists()


def test_it_refuses_a_person_whose_groups_map_to_nothing(client, saml_idp, mapping):
    request_url = start(client)

    response = finish(
        client, saml_idp.answer(request_url, email="sam@acme.test", name="Sam", groups=["Sales"])
    )

    assert response.status_code == 403
    assert "Ask your admin for access" in response.text
    assert not User.objects.filter(email="sam@acme.test").exists()


def test_it_serves_forcerank_metadata_for_the_identity_providers_admin(client, saml_idp):
    response = client.get(reverse("saml_metadata", kwargs={"organization_slug": "acme-saml"}))

    assert response.status_code == 200
    assert f'entityID="{SP_ENTITY}"' in response.text
    assert f'Location="{ACS}"' in response.text


def test_it_says_so_when_the_metadata_cannot_be_read(client, settings):
    entry = {
        "id": "acme-saml",
        "name": "Acme SAML",
        "metadata_url": "http://127.0.0.1:9/metadata",
        "entity_id": "x",
    }
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers("", json.dumps([entry]))

    response = client.post(reverse("saml_login", kwargs={"organization_slug": "acme-saml"}))

    assert response.status_code == 502
    assert "could not reach Acme SAML" in response.text

"""The Slack app (slack-sdk): leadership events in a channel, personal DMs for those who opt in,
and the `/forcerank` slash command."""

"""The Slack adapter: slack-bolt's AsyncApp, Block Kit rendering, modals and transports."""

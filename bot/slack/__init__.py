"""The Slack adapter: slack-bolt's AsyncApp, Block Kit rendering, modals and transports.

What Slack shows is declared here, where it is read without importing slack-bolt.
"""

from bot.capabilities import Capabilities

#: Slack shows a chart as an uploaded PNG.
CAPABILITIES = Capabilities(images=True)

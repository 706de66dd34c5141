"""Discord (discord.com): share code to a server's channel through a bot, or a channel webhook."""

"""Microsoft 365 on Microsoft Graph v1.0: Outlook calendar and mail, Teams presence, chats
and meetings."""

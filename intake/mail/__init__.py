"""Mail intake: parsing mails into documents (`mime`) and watching an IMAP folder (`imap`)."""

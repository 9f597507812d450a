"""The MYOB Business (AccountRight) sandbox: OAuth, the company-file API under
/sandbox/myob/accountright/ and its console pages (docs/sandbox-myob.md)."""

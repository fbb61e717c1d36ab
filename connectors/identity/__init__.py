"""Sign-in through an organisation's identity provider (OpenID Connect).

The console's web app asks an `IdentityProvider` where to send the browser (`begin`) and, when
the browser comes back, who signed in (`complete`). Providers: Microsoft Entra ID (msal) and
Google Workspace (authlib). Only the verified identity leaves this package; tokens do not.
"""

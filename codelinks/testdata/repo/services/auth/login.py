"""Login handling.

# threatls: mitigates not-a-comment
"""

import hmac

MAX_ATTEMPTS = 5


class LoginHandler:
    """Checks passwords."""

    # threatls: mitigates brute-force@api, credential-stuffing -- lockout after 5 tries
    def post(self, user, password):
        return self.check_password(user, password)

    def check_password(self, user, password):
        s = "# threatls: mitigates inside-string"
        return hmac.compare_digest(user, password)  # threatls: mitigates timing-attack


# threatls: exposes unknown-threat
# threatls: mitigate sqli
async def audit(event):
    pass

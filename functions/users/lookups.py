"""`UserLookupFunction`: users as other services see them (see users.contracts).

Invoked directly (Lambda Invoke), not through API Gateway. An unknown user is an
answer (`exists: false`); an unavailable table raises, and the caller sees a FunctionError.
"""
from __future__ import annotations

from shared.invocation import lambda_command
from users import service
from users.contracts import LookupUser, LookupUserResult
from users.repository import DynamoDBUserRepository

users = DynamoDBUserRepository()


@lambda_command(LookupUser)
def lookup_user(command: LookupUser) -> LookupUserResult:
    return LookupUserResult(user_id=command.user_id, exists=service.user_exists(users, command.user_id))

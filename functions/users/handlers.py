"""Lambda entry points of the users service, one per HTTP endpoint (see infra/template.yaml)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr

from shared.http import ApiRequest, ApiResponse, lambda_endpoint
from users import service
from users.domain import User, UserName
from users.repository import DynamoDBUserRepository

users = DynamoDBUserRepository()


class CreateUserRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"email": "ada@example.com", "name": "Ada Lovelace"},
    ]})

    email: EmailStr
    name: UserName


class UserResponse(BaseModel):
    id: str
    email: str
    name: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserResponse:
        return cls.model_validate(user, from_attributes=True)


@lambda_endpoint(body=CreateUserRequest, responses={201: UserResponse}, errors=(409,))
def create_user(request: ApiRequest) -> ApiResponse:
    body = request.parse_body(CreateUserRequest)
    user = service.register_user(users, email=body.email, name=body.name)
    return ApiResponse(201, UserResponse.of(user), {"Location": f"/users/{user.id}"})


@lambda_endpoint(responses={200: UserResponse}, errors=(404,))
def get_user(request: ApiRequest) -> ApiResponse:
    return ApiResponse(200, UserResponse.of(service.get_user(users, request.path_params["user_id"])))

"""Lambda entry points of the users service, one per HTTP endpoint (see infra/template.yaml)."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shared.http import ApiRequest, ApiResponse, lambda_endpoint
from users import service
from users.domain import User, UserName
from users.bootstrap import create_services


class UpdateProfileRequest(BaseModel):
    # The email is the user pool's (and verified there): only the name is changed here.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Ada Lovelace"}]})

    name: UserName


class UserResponse(BaseModel):
    id: str
    email: str
    name: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserResponse:
        return cls.model_validate(user, from_attributes=True)


@lambda_endpoint(responses={200: UserResponse}, errors=(409,))
def get_my_profile(request: ApiRequest) -> ApiResponse:
    return ApiResponse(200, UserResponse.of(service.profile_of(create_services().users, request.authenticated())))


@lambda_endpoint(body=UpdateProfileRequest, responses={200: UserResponse}, errors=(409,))
def update_my_profile(request: ApiRequest) -> ApiResponse:
    body = request.parse_body(UpdateProfileRequest)
    return ApiResponse(200, UserResponse.of(service.rename(create_services().users, request.authenticated(), body.name)))


@lambda_endpoint(responses={200: UserResponse}, errors=(403, 404))
def get_user(request: ApiRequest) -> ApiResponse:
    user = service.get_user(create_services().users, request.authenticated(), request.path_params["user_id"])
    return ApiResponse(200, UserResponse.of(user))

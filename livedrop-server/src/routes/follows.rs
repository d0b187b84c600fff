//! Follows: `POST /follow`, `DELETE /follow/{creatorId}`,
//! `GET /creators/{id}/followers?cursor&limit`, `GET /users/{id}/following?cursor&limit`
//! `GET /follow/check?userId&creatorId` and `GET /api/creators/{id}/follower-count`.
//!
//! Follows are private, as the design asks ("only owners see their orders/follows"): the
//! creators a user follows are the user's to see (`404` to anyone else, as for orders); a
//! creator's followers are its owner's (`403` to anyone else: the creator itself is
//! public); whether a user follows a creator is for either of those two to ask (`403`).
//! Every other way to learn a follow would undo the others, so none is public. Follower
//! counts stay public: they come back from follow and unfollow, and a creator's page reads
//! them from `follower-count`.

use axum::Json;
use axum::extract::State;
use livedrop_core::domain::{Follow, FollowChange};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::Page;
use serde::Deserialize;

use livedrop_core::wire::{FollowBody, FollowCheck, FollowerCount};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{AuthUser, only_owner};
use crate::extract::{JsonBody, PageParams, PageQuery, PathId, QueryParams};
use crate::openapi::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, TooManyRequests, Unauthorized,
    UnsupportedMediaType,
};
use crate::{ApiError, AppState};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(followers))
        .routes(routes!(check))
        .routes(routes!(follow))
        .routes(routes!(unfollow))
        .routes(routes!(following))
        .routes(routes!(follower_count))
}

/// How many users follow a creator (public, as on its page); `404` for an unknown creator.
#[utoipa::path(
    get,
    path = "/api/creators/{id}/follower-count", operation_id = "count_followers",
    tag = "follows",
    params(("id" = uuid::Uuid, Path, description = "The creator")),
    responses(
        (status = 200, description = "The creator's follower count", body = FollowerCount),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn follower_count(
    State(state): State<AppState>,
    PathId(creator): PathId<CreatorId>,
) -> Result<Json<FollowerCount>, ApiError> {
    state.reads().creator(creator).await?;
    let follower_count = state.follows().follower_count(creator).await?;
    Ok(Json(FollowerCount { follower_count }))
}

/// The caller follows a creator (again: `changed: false`); `404` for an unknown creator.
#[utoipa::path(
    post,
    path = "/follow", operation_id = "follow_creator",
    tag = "follows",
    request_body = FollowBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether anything changed, and the follower count", body = FollowChange),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = TooManyRequests),
    )
)]
async fn follow(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody<FollowBody>,
) -> Result<Json<FollowChange>, ApiError> {
    Ok(Json(state.follows().follow(user, body.creator_id).await?))
}

/// The caller stops following a creator (not following: `changed: false`).
#[utoipa::path(
    delete,
    path = "/follow/{id}", operation_id = "unfollow_creator",
    tag = "follows",
    params(("id" = uuid::Uuid, Path, description = "The creator to stop following")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether anything changed, and the follower count", body = FollowChange),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn unfollow(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PathId(creator): PathId<CreatorId>,
) -> Result<Json<FollowChange>, ApiError> {
    Ok(Json(state.follows().unfollow(user, creator).await?))
}

/// The creators the caller follows, newest first; private.
#[utoipa::path(
    get,
    path = "/users/{id}/following", operation_id = "list_followed_creators",
    tag = "follows",
    params(("id" = uuid::Uuid, Path, description = "The caller's own user id"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the caller's follows", body = Page<Follow>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn following(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(owner): PathId<UserId>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Follow>>, ApiError> {
    only_owner(caller, owner)?;
    Ok(Json(state.browse().following_of(owner, page).await?))
}

/// A creator's followers, newest first, for the creator's owner; `404 not_found` for an
/// unknown creator, `403` for anyone else.
#[utoipa::path(
    get,
    path = "/creators/{id}/followers", operation_id = "list_followers",
    tag = "follows",
    params(("id" = uuid::Uuid, Path, description = "The caller's creator"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the creator's followers", body = Page<Follow>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn followers(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(creator): PathId<CreatorId>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Follow>>, ApiError> {
    state.catalog().owned_creator(caller, creator).await?;
    Ok(Json(state.browse().followers_of(creator, page).await?))
}

/// The parameters of a check, as text so a bad id gets `400 invalid_id`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct CheckQuery {
    /// The follower.
    #[param(value_type = uuid::Uuid)]
    user_id: String,
    /// The creator.
    #[param(value_type = uuid::Uuid)]
    creator_id: String,
}

/// Whether `userId` follows `creatorId`, asked by that user or the creator's owner.
#[utoipa::path(
    get,
    path = "/follow/check", operation_id = "check_following",
    tag = "follows",
    params(CheckQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether the user follows the creator", body = FollowCheck),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
    )
)]
async fn check(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    QueryParams(query): QueryParams<CheckQuery>,
) -> Result<Json<FollowCheck>, ApiError> {
    let user: UserId = query.user_id.parse()?;
    let creator: CreatorId = query.creator_id.parse()?;
    if caller != user {
        state.catalog().owned_creator(caller, creator).await?;
    }
    let following = state.follows().is_following(user, creator).await?;
    Ok(Json(FollowCheck { following }))
}

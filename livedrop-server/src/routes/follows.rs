//! Follows: `POST /follow`, `DELETE /follow/{creatorId}`,
//! `GET /creators/{id}/followers?cursor&limit`, `GET /users/{id}/following?cursor&limit`
//! and `GET /follow/check?userId&creatorId`.
//!
//! Who follows a creator is public, as on most social platforms (a creator's audience is
//! part of their profile), and so is the yes/no check; which creators a user follows is
//! private to the user (`404` to anyone else, as for orders).

use axum::extract::{Query, State};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use livedrop_core::domain::{Follow, FollowChange};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::Page;
use serde::Deserialize;

use livedrop_core::wire::{FollowBody, FollowCheck};

use super::orders::only_owner;
use crate::auth::AuthUser;
use crate::extract::{JsonBody, PageQuery, PathId, bad_query};
use crate::{ApiError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/creators/{id}/followers", get(followers))
        .route("/follow/check", get(check))
        .route("/follow", post(follow))
        .route("/follow/{id}", delete(unfollow))
        .route("/users/{id}/following", get(following))
}

/// The caller follows a creator (again: `changed: false`); `404` for an unknown creator.
async fn follow(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody<FollowBody>,
) -> Result<Json<FollowChange>, ApiError> {
    Ok(Json(state.follows().follow(user, body.creator_id).await?))
}

/// The caller stops following a creator (not following: `changed: false`).
async fn unfollow(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    PathId(creator): PathId<CreatorId>,
) -> Result<Json<FollowChange>, ApiError> {
    Ok(Json(state.follows().unfollow(user, creator).await?))
}

/// The creators the caller follows, newest first; private.
async fn following(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    PathId(owner): PathId<UserId>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Follow>>, ApiError> {
    only_owner(caller, owner)?;
    Ok(Json(state.browse().following_of(owner, page).await?))
}

/// A creator's followers, newest first; `404 not_found` for an unknown creator.
async fn followers(
    State(state): State<AppState>,
    PathId(creator): PathId<CreatorId>,
    PageQuery(page): PageQuery,
) -> Result<Json<Page<Follow>>, ApiError> {
    // An unknown creator is a 404, not an empty list.
    state.reads().creator(creator).await?;
    Ok(Json(state.browse().followers_of(creator, page).await?))
}

/// The parameters of a check, as text so a bad id gets `400 invalid_id`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckQuery {
    user_id: String,
    creator_id: String,
}

/// Whether `userId` follows `creatorId`.
async fn check(
    State(state): State<AppState>,
    query: Result<Query<CheckQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<FollowCheck>, ApiError> {
    let Query(query) = query.map_err(|rejection| bad_query(&rejection.body_text()))?;
    let user: UserId = query.user_id.parse()?;
    let creator: CreatorId = query.creator_id.parse()?;
    let following = state.follows().is_following(user, creator).await?;
    Ok(Json(FollowCheck { following }))
}

//! [`ResetReason`]: why a stream starts with a `reset` instead of the events missed.

/// Why a resuming stream cannot be resumed exactly; the `reset` event names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetReason {
    /// The `Last-Event-ID` is not a position this server writes.
    UnreadableId,
    /// The position is of a bus with other partitions (another deployment, a new topic).
    UnknownPosition,
    /// The position is ahead of this node, and it did not catch up in time.
    PositionNotReached,
    /// What was missed is older than the resume window holds.
    OutsideWindow,
}

impl ResetReason {
    /// Every reason, for the streams' OpenAPI schema.
    pub const ALL: [ResetReason; 4] = [
        ResetReason::UnreadableId,
        ResetReason::UnknownPosition,
        ResetReason::PositionNotReached,
        ResetReason::OutsideWindow,
    ];

    /// The `reason` the `reset` event names.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetReason::UnreadableId => "unreadable_id",
            ResetReason::UnknownPosition => "unknown_position",
            ResetReason::PositionNotReached => "position_not_reached",
            ResetReason::OutsideWindow => "outside_window",
        }
    }
}

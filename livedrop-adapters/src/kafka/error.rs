//! librdkafka's errors in the core's terms.

use livedrop_core::Error;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

use super::BACKEND;

/// `Unavailable` for what a later retry may fix (a broker down, a timeout, a leader or
/// coordinator moving, a rebalance), `Internal` for the rest (bad configuration, refused
/// authorization, a message the broker will never take).
pub(super) fn to_error(error: KafkaError) -> Error {
    if is_transient(&error) {
        Error::unavailable(BACKEND, error)
    } else {
        Error::internal(BACKEND, error)
    }
}

pub(super) fn is_transient(error: &KafkaError) -> bool {
    if matches!(error, KafkaError::Canceled) {
        // The client was shut down under the call (e.g. at process exit).
        return true;
    }
    // rdkafka gives no code for an admin request that failed as a whole (the brokers did
    // not answer, say); its code is inside.
    if let KafkaError::AdminOp(code) = error {
        return is_transient_code(*code);
    }
    error.rdkafka_error_code().is_some_and(is_transient_code)
}

pub(super) fn is_transient_code(code: RDKafkaErrorCode) -> bool {
    use RDKafkaErrorCode as C;
    matches!(
        code,
        C::BrokerTransportFailure
            | C::Resolve
            | C::MessageTimedOut
            | C::AllBrokersDown
            | C::OperationTimedOut
            | C::QueueFull
            | C::TimedOutQueue
            | C::WaitingForCoordinator
            | C::Retry
            | C::PurgeInflight
            | C::PurgeQueue
            | C::UnknownTopicOrPartition
            | C::UnknownPartition
            | C::LeaderNotAvailable
            | C::NotLeaderForPartition
            | C::RequestTimedOut
            | C::BrokerNotAvailable
            | C::ReplicaNotAvailable
            | C::NetworkException
            | C::CoordinatorLoadInProgress
            | C::CoordinatorNotAvailable
            | C::NotCoordinator
            | C::NotEnoughReplicas
            | C::NotEnoughReplicasAfterAppend
            | C::RebalanceInProgress
            | C::KafkaStorageError
            | C::FencedLeaderEpoch
            | C::UnknownLeaderEpoch
            | C::ThrottlingQuotaExceeded
    )
}

/// Whether a commit failed because this member no longer owns the partition (the group
/// rebalanced under it): the partition's new owner gets the events again from the last
/// commit, as the at-least-once contract allows, so there is nothing to retry.
pub(super) fn lost_ownership(error: &KafkaError) -> bool {
    use RDKafkaErrorCode as C;
    error.rdkafka_error_code().is_some_and(|code| {
        matches!(
            code,
            C::RebalanceInProgress
                | C::IllegalGeneration
                | C::UnknownMemberId
                | C::AssignmentLost
                | C::FencedInstanceId
                | C::StaleMemberEpoch
                | C::FencedMemberEpoch
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_unavailable_and_mistakes_internal() {
        let down = KafkaError::MessageProduction(RDKafkaErrorCode::AllBrokersDown);
        assert!(matches!(to_error(down), Error::Unavailable { .. }));
        let refused = KafkaError::MessageProduction(RDKafkaErrorCode::TopicAuthorizationFailed);
        assert!(matches!(to_error(refused), Error::Internal { .. }));
        let no_answer = KafkaError::AdminOp(RDKafkaErrorCode::OperationTimedOut);
        assert!(matches!(to_error(no_answer), Error::Unavailable { .. }));
        assert!(lost_ownership(&KafkaError::ConsumerCommit(
            RDKafkaErrorCode::IllegalGeneration
        )));
    }
}

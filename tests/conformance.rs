//! One adapter conformance suite every backend must pass: each check is vendor-neutral and
//! runs once per subject (a real client against its simulator over real HTTP, on a manual
//! clock). Vendor specifics live only in the shared rig's client and hooks
//! (`support/subject.rs`); adding a backend is one arm there, one constructor in `subject`
//! below and one name in the `subjects` list.

#[path = "conformance/errors.rs"]
mod errors;
#[path = "conformance/faults.rs"]
mod faults;
#[path = "conformance/qa.rs"]
mod qa;
#[path = "conformance/reads.rs"]
mod reads;
#[path = "conformance/writes.rs"]
mod writes;

mod support;

/// The subjects the suite runs, each built through the shared rig.
mod subject {
    pub use crate::support::subject::Subject;
    use std::time::Duration;

    /// The Intercom client against the Intercom simulator, with a small search page so that
    /// paging is exercised.
    pub async fn intercom() -> Subject {
        Subject::intercom()
            .token("conformance")
            .timeout(Duration::from_secs(5))
            .page_size(20)
            .build()
            .await
    }

    /// The Zendesk client (an admin's API token) against the Zendesk simulator, with small
    /// list and export pages so that paging is exercised.
    pub async fn zendesk() -> Subject {
        Subject::zendesk()
            .token("conformance")
            .timeout(Duration::from_secs(5))
            .page_size(20)
            .build()
            .await
    }
}

/// One `#[tokio::test]` per check for one subject, in a module named after the subject.
macro_rules! checks_for {
    ($subject:ident, [$($module:ident :: $check:ident),* $(,)?]) => {
        mod $subject {
            $(
                #[tokio::test]
                async fn $check() {
                    crate::$module::$check(crate::subject::$subject().await).await;
                }
            )*
        }
    };
}

/// Every check for every subject.
macro_rules! conformance {
    (subjects: [$($subject:ident),* $(,)?], checks: $checks:tt) => {
        $( checks_for!($subject, $checks); )*
    };
}

conformance! {
    subjects: [intercom, zendesk],
    checks: [
        reads::snapshot_is_consistent,
        reads::re_reads_agree_with_the_snapshot,
        reads::paging_returns_every_conversation_once,
        writes::assignments_apply_and_undo_exactly,
        writes::membership_changes_apply_and_undo_exactly,
        writes::a_move_applies_and_undoes_exactly,
        writes::every_presence_status_applies_and_undoes_exactly,
        writes::every_attempt_is_audited_intent_first,
        errors::an_unknown_conversation_is_a_404_not_applied,
        errors::a_refused_write_is_not_applied_and_changes_nothing,
        errors::a_change_since_planning_is_a_conflict_and_nothing_is_written,
        faults::a_lost_answer_is_reported_applied_and_never_resent,
        faults::reads_wait_for_the_window_and_writes_use_the_reserve,
        qa::qa_a_bulk_add_of_three_to_one_inbox_applies_all_three,
        qa::qa_b_a_move_whose_add_fails_removes_nothing,
        qa::qa_c_check_applies_no_write,
        faults::reads_sent_together_leave_the_write_reserve,
    ]
}

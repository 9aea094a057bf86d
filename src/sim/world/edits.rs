//! The state changes a write can make, once a vendor projection has validated its request:
//! reassigning, closing, snoozing and reopening conversations, and changing team members.
//! Each stamps the change with the world's now.

use super::{SimConversation, SimLevel, SimState, SimTeam, World};
use jiff::Timestamp;

/// A change to one conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationEdit {
    /// Assign to this teammate (0 = nobody); reopens a closed conversation.
    AssignAdmin(i64),
    /// Assign to this team (0 = none); reopens a closed conversation.
    AssignTeam(i64),
    /// Close (cancelling the scheduled customer reply or close).
    Close,
    /// Snooze until then.
    Snooze(Timestamp),
    /// Open (ending any snooze).
    Open,
}

impl World {
    /// Applies `edit` to conversation `id`; the conversation after it, or `None` if unknown.
    pub fn edit_conversation(
        &mut self,
        id: u64,
        edit: ConversationEdit,
    ) -> Option<&SimConversation> {
        let now = self.now;
        let c = self.conversations.get_mut(&id)?;
        match edit {
            ConversationEdit::AssignAdmin(admin) => {
                c.admin = admin;
                assigned(c, now);
            }
            ConversationEdit::AssignTeam(team) => {
                c.team = team;
                assigned(c, now);
            }
            ConversationEdit::Close => {
                c.state = SimState::Closed;
                c.customer_reply_at = None;
                c.close_at = None;
            }
            ConversationEdit::Snooze(until) => {
                c.state = SimState::Snoozed;
                c.snoozed_until = Some(until);
            }
            ConversationEdit::Open => {
                c.state = SimState::Open;
                c.snoozed_until = None;
            }
        }
        c.updated_at = now;
        Some(c)
    }

    /// Replaces the members of team `id`; the team after it, or `None` if unknown.
    pub fn replace_members(&mut self, id: i64, members: Vec<(i64, SimLevel)>) -> Option<&SimTeam> {
        let team = self.teams.iter_mut().find(|t| t.id == id)?;
        team.members = members;
        Some(team)
    }

    /// Adds those of `members` not yet on team `id`, leaving current members and their levels
    /// alone (what lands of a change that is only partly applied).
    pub fn add_members(&mut self, id: i64, members: &[(i64, SimLevel)]) {
        if let Some(team) = self.teams.iter_mut().find(|t| t.id == id) {
            for (admin, level) in members {
                if !team.members.iter().any(|(m, _)| m == admin) {
                    team.members.push((*admin, *level));
                }
            }
        }
    }
}

/// Assignment reopens a closed conversation ("assign and reopen") and is stamped.
fn assigned(c: &mut SimConversation, now: Timestamp) {
    if c.state == SimState::Closed {
        c.state = SimState::Open;
    }
    c.last_assignment_at = Some(now);
}

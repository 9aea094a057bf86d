//! The state changes a write can make, once a vendor projection has validated its request:
//! reassigning, closing, snoozing and reopening conversations, and changing team members and
//! teammates' default teams. Each conversation change is stamped with the world's now.

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
    /// Hand over to this teammate (0 = nobody) in this team (0 = none), leaving the state
    /// alone: a closed conversation stays closed.
    Route {
        /// The teammate.
        admin: i64,
        /// The team.
        team: i64,
    },
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
            ConversationEdit::Route { admin, team } => {
                c.admin = admin;
                c.team = team;
                c.last_assignment_at = Some(now);
            }
        }
        c.updated_at = now;
        Some(c)
    }

    /// Replaces the members of team `id`; the team after it, or `None` if unknown.
    pub fn replace_members(&mut self, id: i64, members: Vec<(i64, SimLevel)>) -> Option<&SimTeam> {
        let index = self.teams.iter().position(|t| t.id == id)?;
        let mut touched: Vec<i64> = self.teams[index].members.iter().map(|(m, _)| *m).collect();
        touched.extend(members.iter().map(|(m, _)| *m));
        self.teams[index].members = members;
        self.keep_default_teams(&touched);
        Some(&self.teams[index])
    }

    /// Puts `admin` on team `id` at `level` (a member already keeps their level); `false` if
    /// the team is unknown.
    pub fn add_member(&mut self, id: i64, admin: i64, level: SimLevel) -> bool {
        let Some(team) = self.teams.iter_mut().find(|t| t.id == id) else {
            return false;
        };
        if !team.members.iter().any(|(m, _)| *m == admin) {
            team.members.push((admin, level));
        }
        self.keep_default_teams(&[admin]);
        true
    }

    /// Takes `admin` off team `id`; `false` if they were not on it.
    pub fn remove_member(&mut self, id: i64, admin: i64) -> bool {
        let Some(team) = self.teams.iter_mut().find(|t| t.id == id) else {
            return false;
        };
        let before = team.members.len();
        team.members.retain(|(m, _)| *m != admin);
        let removed = team.members.len() != before;
        self.keep_default_teams(&[admin]);
        removed
    }

    /// Makes team `team` the default team of `admin`; `false` unless they are on it.
    pub fn set_default_team(&mut self, admin: i64, team: i64) -> bool {
        let member = self
            .teams
            .iter()
            .any(|t| t.id == team && t.members.iter().any(|(m, _)| *m == admin));
        match self.admins.iter_mut().find(|a| a.id == admin) {
            Some(a) if member => {
                a.default_team = Some(team);
                true
            }
            _ => false,
        }
    }

    /// Keeps each of `admins`' default team one of their teams: unchanged while they are on
    /// it, else their first primary team, else their first team, else none.
    pub(super) fn keep_default_teams(&mut self, admins: &[i64]) {
        for &id in admins {
            let on = |team: i64, level: Option<SimLevel>| {
                self.teams.iter().any(|t| {
                    t.id == team
                        && t.members
                            .iter()
                            .any(|(m, l)| *m == id && level.is_none_or(|x| x == *l))
                })
            };
            let Some(current) = self
                .admins
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.default_team)
            else {
                continue;
            };
            if current.is_some_and(|t| on(t, None)) {
                continue;
            }
            let first =
                |level: Option<SimLevel>| self.teams.iter().find(|t| on(t.id, level)).map(|t| t.id);
            let next = first(Some(SimLevel::Primary)).or_else(|| first(None));
            if let Some(a) = self.admins.iter_mut().find(|a| a.id == id) {
                a.default_team = next;
            }
        }
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
        let touched: Vec<i64> = members.iter().map(|(m, _)| *m).collect();
        self.keep_default_teams(&touched);
    }
}

/// Assignment reopens a closed conversation ("assign and reopen") and is stamped.
fn assigned(c: &mut SimConversation, now: Timestamp) {
    if c.state == SimState::Closed {
        c.state = SimState::Open;
    }
    c.last_assignment_at = Some(now);
}

//! Pure domain logic: types, policies, derived metrics and ordering. No IO, no async.

pub mod actions;
pub mod alerts;
pub mod blocks;
pub mod capabilities;
pub mod coverage;
pub mod detail;
pub mod fixture;
pub mod forecast;
pub mod handoff;
pub mod live;
pub mod metrics;
pub mod model;
pub mod ordering;
pub mod policy;
pub mod rebalance;

pub use capabilities::Capabilities;
pub use live::derive;
pub use metrics::Metrics;
pub use model::*;
pub use policy::Policy;

//! The CRM data the simulator keeps per portal: property definitions, contacts with
//! per-property history, engagements and lists.

pub(crate) mod contact;
pub(crate) mod contact_view;
pub(crate) mod engagement;
pub(crate) mod list;
pub(crate) mod property;
pub(crate) mod standard;

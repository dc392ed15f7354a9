//! Typed HubSpot payloads, with HubSpot's camelCase JSON names.

pub mod account;
pub mod association;
pub mod batch;
pub mod list;
pub mod oauth;
pub mod object;
pub mod property;
pub mod search;

pub use account::AccountDetails;
pub use association::{Association, AssociationSet, AssociationType};
pub use batch::{BatchResult, ChunkFailure};
pub use list::{HubList, ListSearch, ListSearchPage, Membership, Page};
pub use oauth::{Introspection, TokenKind, TokenResponse};
pub use object::{
    Contact, CrmObject, Engagement, ObjectType, ObjectUpdate, PropertyVersion, ReadOptions,
};
pub use property::{
    ModificationMetadata, Property, PropertyCreate, PropertyGroup, PropertyGroupCreate,
    PropertyOption,
};
pub use search::{Filter, FilterGroup, SEARCH_LIMIT_MAX, SearchRequest, SearchSort};

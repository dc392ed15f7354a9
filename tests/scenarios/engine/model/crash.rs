//! The crash proxy lives in the shared helpers (`steward_tests::crash_proxy`): the fault
//! scenarios crash round trips the same way.

pub use steward_tests::crash_proxy::CrashProxy;

//! rowgate-core
pub mod violation;

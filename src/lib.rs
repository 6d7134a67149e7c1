pub mod generated;
pub mod hooks;

#[derive(Clone, Debug, Default)]
pub struct Settings {}
impl progenitor_client::ClientHooks<Settings> for crate::generated::Client {}

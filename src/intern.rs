//! Shared copies of names from small, bounded sets: rule ids and vendor-registry ids.
//!
//! A big project's findings and deployments repeat the same few dozen names hundreds of
//! thousands of times; an allocation each was tens of megabytes at 50,000 files. Only names of
//! loaded rule packs and registries come here, never text from the checked files, so the set
//! stays small even in a long-lived editor session.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock, RwLock};

/// The one shared copy of `name`.
pub fn name(name: &str) -> Arc<str> {
    static NAMES: OnceLock<RwLock<HashSet<Arc<str>>>> = OnceLock::new();
    let names = NAMES.get_or_init(Default::default);
    if let Some(shared) = names.read().ok().and_then(|set| set.get(name).cloned()) {
        return shared;
    }
    let Ok(mut set) = names.write() else {
        return Arc::from(name);
    };
    if let Some(shared) = set.get(name) {
        return shared.clone();
    }
    let shared: Arc<str> = Arc::from(name);
    set.insert(shared.clone());
    shared
}

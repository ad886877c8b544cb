//! A value a config reload can replace while it is in use: a stage's logic, an output. Readers
//! take the current one for each item, so every item is handled wholly by the old or wholly by
//! the new one.

use std::sync::{Arc, RwLock};

/// The current version of a replaceable value.
pub struct Live<T: ?Sized> {
    current: RwLock<Arc<T>>,
}

impl<T: ?Sized> Live<T> {
    /// Starts with `t`.
    pub fn new(t: Arc<T>) -> Self {
        Self { current: RwLock::new(t) }
    }

    /// The one in use now.
    pub fn get(&self) -> Arc<T> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts `t` in use for what arrives from now on; returns the one it replaces.
    pub fn replace(&self, t: Arc<T>) -> Arc<T> {
        std::mem::replace(&mut *self.current.write().unwrap_or_else(|e| e.into_inner()), t)
    }
}

impl<T> Live<T> {
    /// Starts with `t`.
    pub fn of(t: T) -> Self {
        Self::new(Arc::new(t))
    }
}

/// Which keys of a config section a reload applies to the running daemon; the others wait for a
/// restart. Each section says so beside its fields.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LiveKeys {
    /// Every key.
    All,
    /// Every key but these.
    AllBut(&'static [&'static str]),
    /// Only these.
    Only(&'static [&'static str]),
    /// None.
    None,
}

impl LiveKeys {
    /// Whether a reload applies `key` in place.
    pub fn contains(self, key: &str) -> bool {
        match self {
            LiveKeys::All => true,
            LiveKeys::AllBut(keys) => !keys.contains(&key),
            LiveKeys::Only(keys) => keys.contains(&key),
            LiveKeys::None => false,
        }
    }
}

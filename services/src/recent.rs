//! Results of actions kept in memory for a while (the latest 64), so a form post without
//! JavaScript can show them on the page it is redirected to (`?…=ID`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

const KEPT: usize = 64;

#[derive(Debug)]
pub struct RecentResults<T> {
    next: AtomicU64,
    kept: Mutex<VecDeque<(u64, T)>>,
}

impl<T> Default for RecentResults<T> {
    fn default() -> Self {
        Self {
            next: AtomicU64::new(0),
            kept: Mutex::new(VecDeque::new()),
        }
    }
}

impl<T: Clone> RecentResults<T> {
    pub fn next_id(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn keep(&self, id: u64, result: T) {
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= KEPT {
                kept.pop_front();
            }
            kept.push_back((id, result));
        }
    }

    pub fn get(&self, id: u64) -> Option<T> {
        let kept = self.kept.lock().ok()?;
        kept.iter().find(|(k, _)| *k == id).map(|(_, r)| r.clone())
    }
}

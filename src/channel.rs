//! The bounded channels between stages, with a bound that can change while they run (a config
//! reload of `channel_capacity`): items travel on an unbounded `async-channel` and the bound is a
//! pool of tokens, one per free place. A sender takes a token before it sends (waiting, blocking
//! or async, while there is none); a receiver hands one back for every item it takes. Growing the
//! bound adds tokens; shrinking it takes free tokens away and swallows the rest as they come back,
//! so items already queued are never dropped. Closing works as with `async-channel`: when every
//! sender is gone the receivers drain what is left and then see the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Creates a channel holding at most `capacity` items (at least one).
pub(crate) fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let capacity = capacity.max(1);
    let (items_tx, items_rx) = async_channel::unbounded();
    let (tokens_tx, tokens_rx) = async_channel::unbounded();
    for _ in 0..capacity {
        // Cannot fail: both ends are held right here.
        let _ = tokens_tx.try_send(());
    }
    let bound =
        Arc::new(Bound { capacity: AtomicUsize::new(capacity), debt: AtomicUsize::new(0), held: AtomicUsize::new(0) });
    (
        Sender { items: items_tx, tokens: tokens_rx, bound: bound.clone() },
        Receiver { items: items_rx, tokens: tokens_tx, bound },
    )
}

#[derive(Debug)]
struct Bound {
    capacity: AtomicUsize,
    /// Tokens to swallow as they come back (the bound shrank while they were out).
    debt: AtomicUsize,
    /// Tokens receivers have taken back but not yet handed to senders: they go back a quarter of
    /// the bound at a time, or all at once when the queue runs empty. A sender waiting on a full
    /// channel is then woken once per batch rather than once per item (each wake is a thread
    /// switch on a machine with fewer cores than threads), and never while the queue is empty.
    held: AtomicUsize,
}

/// The sending side.
#[derive(Debug)]
pub struct Sender<T> {
    items: async_channel::Sender<T>,
    tokens: async_channel::Receiver<()>,
    bound: Arc<Bound>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Self { items: self.items.clone(), tokens: self.tokens.clone(), bound: self.bound.clone() }
    }
}

/// Every receiver is gone; the item comes back.
#[derive(Debug)]
pub struct SendError<T>(pub T);

impl<T> Sender<T> {
    /// Sends, waiting for a free place.
    pub async fn send(&self, item: T) -> Result<(), SendError<T>> {
        if self.tokens.recv().await.is_err() {
            return Err(SendError(item));
        }
        self.items.send(item).await.map_err(|e| SendError(e.0))
    }

    /// Sends from a blocking thread, waiting for a free place.
    pub(crate) fn send_blocking(&self, item: T) -> Result<(), SendError<T>> {
        if self.tokens.recv_blocking().is_err() {
            return Err(SendError(item));
        }
        self.items.send_blocking(item).map_err(|e| SendError(e.0))
    }

    /// Closes the channel: receivers drain what is queued, then see the end.
    pub fn close(&self) {
        self.items.close();
    }
}

/// The receiving side.
#[derive(Debug)]
pub(crate) struct Receiver<T> {
    items: async_channel::Receiver<T>,
    tokens: async_channel::Sender<()>,
    bound: Arc<Bound>,
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Self { items: self.items.clone(), tokens: self.tokens.clone(), bound: self.bound.clone() }
    }
}

/// The channel is closed and empty.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RecvError;

impl<T> Receiver<T> {
    /// Takes the next item, waiting for one (on a blocking thread); `Err` once the channel is
    /// closed and empty.
    pub(crate) fn recv_blocking(&self) -> Result<T, RecvError> {
        let item = self.items.recv_blocking().map_err(|_| RecvError)?;
        self.give_back();
        Ok(item)
    }

    /// Takes an item if one is queued.
    pub(crate) fn try_recv(&self) -> Option<T> {
        let item = self.items.try_recv().ok()?;
        self.give_back();
        Some(item)
    }

    /// Whether the channel is closed and empty: no item will ever come.
    pub(crate) fn is_finished(&self) -> bool {
        self.items.is_closed() && self.items.is_empty()
    }

    fn give_back(&self) {
        let owed = self.bound.debt.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| d.checked_sub(1)).is_ok();
        if owed {
            return;
        }
        let held = self.bound.held.fetch_add(1, Ordering::SeqCst) + 1;
        let batch = (self.bound.capacity.load(Ordering::Relaxed) / 4).max(1);
        // Emptiness is read after the token is counted: whoever takes the last item sees the
        // queue empty and lets every held token go, so senders never wait on an empty queue.
        if held >= batch || self.items.is_empty() {
            for _ in 0..self.bound.held.swap(0, Ordering::SeqCst) {
                let _ = self.tokens.try_send(());
            }
        }
    }

    /// A handle that reads the queue and changes the bound without keeping the channel open.
    pub fn control(&self) -> Control<T> {
        Control {
            items: self.items.downgrade(),
            tokens: self.tokens.downgrade(),
            spare: None,
            bound: self.bound.clone(),
        }
    }
}

/// What the status probe and a reload see of a channel, whatever it carries.
pub trait Queue: Send + Sync {
    /// (items waiting, bound).
    fn depth(&self) -> (usize, usize);
    /// A new bound.
    fn set_capacity(&self, n: usize);
}

impl<T: Send + 'static> Queue for Control<T> {
    fn depth(&self) -> (usize, usize) {
        Control::depth(self)
    }

    fn set_capacity(&self, n: usize) {
        Control::set_capacity(self, n);
    }
}

/// Reads a channel's depth and changes its bound (held by the probe and the reloader).
pub struct Control<T> {
    items: async_channel::WeakReceiver<T>,
    tokens: async_channel::WeakSender<()>,
    spare: Option<async_channel::Receiver<()>>,
    bound: Arc<Bound>,
}

impl<T> Control<T> {
    /// Lets the control take free places away directly when the bound shrinks (it needs a
    /// sender's token end; a sender's clone keeps nothing open that closing depends on).
    pub(crate) fn with_sender(mut self, tx: &Sender<T>) -> Self {
        self.spare = Some(tx.tokens.clone());
        self
    }

    /// Items queued and the bound.
    pub fn depth(&self) -> (usize, usize) {
        (self.items.upgrade().map_or(0, |r| r.len()), self.bound.capacity.load(Ordering::Relaxed))
    }

    /// Changes the bound (at least one). Items already queued stay; a smaller bound makes
    /// senders wait until the queue is below it.
    pub(crate) fn set_capacity(&self, capacity: usize) {
        let capacity = capacity.max(1);
        let before = self.bound.capacity.swap(capacity, Ordering::SeqCst);
        if capacity > before {
            let mut more = capacity - before;
            // Forgive debt first: those tokens are still out and will now come back.
            while more > 0
                && self.bound.debt.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| d.checked_sub(1)).is_ok()
            {
                more -= 1;
            }
            if let Some(tokens) = self.tokens.upgrade() {
                for _ in 0..more {
                    let _ = tokens.try_send(());
                }
            }
        } else if capacity < before {
            let mut fewer = before - capacity;
            // Take free places now; the rest are swallowed as items leave.
            while fewer > 0 && self.spare.as_ref().is_some_and(|s| s.try_recv().is_ok()) {
                fewer -= 1;
            }
            self.bound.debt.fetch_add(fewer, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_once_closed_and_drained() {
        let (tx, rx) = bounded::<u32>(2);
        tx.send_blocking(1).unwrap();
        assert!(!rx.is_finished(), "open");
        tx.close();
        assert!(!rx.is_finished(), "closed, but an item is left");
        assert_eq!(rx.try_recv(), Some(1));
        assert!(rx.is_finished());
        assert_eq!(rx.recv_blocking(), Err(RecvError));
    }

    #[test]
    fn holds_at_most_its_bound_and_the_bound_can_change() {
        let (tx, rx) = bounded::<u32>(2);
        let control = rx.control().with_sender(&tx);
        let free = |tx: &Sender<u32>| tx.tokens.len();
        tx.send_blocking(1).unwrap();
        tx.send_blocking(2).unwrap();
        assert_eq!((control.depth(), free(&tx)), ((2, 2), 0), "full");
        control.set_capacity(4);
        assert_eq!(free(&tx), 2);
        tx.send_blocking(3).unwrap();
        tx.send_blocking(4).unwrap();
        assert_eq!(control.depth(), (4, 4));
        // Shrink below what is queued: nothing is dropped, senders wait until it drains below.
        control.set_capacity(1);
        assert_eq!(control.depth(), (4, 1));
        assert_eq!([rx.try_recv(), rx.try_recv(), rx.try_recv()], [Some(1), Some(2), Some(3)]);
        assert_eq!(free(&tx), 0, "tokens swallowed while above the bound");
        assert_eq!(rx.try_recv(), Some(4));
        assert_eq!(free(&tx), 1, "one place at the new bound");
        tx.send_blocking(5).unwrap();
        assert_eq!(free(&tx), 0);
        drop(tx);
        assert_eq!(rx.recv_blocking(), Ok(5));
        assert_eq!(rx.recv_blocking(), Err(RecvError), "closed once every sender is gone");
    }

    #[test]
    fn places_come_back_a_quarter_of_the_bound_at_a_time_and_all_when_the_queue_empties() {
        let (tx, rx) = bounded::<u32>(8);
        let free = |tx: &Sender<u32>| tx.tokens.len();
        for i in 0..8 {
            tx.send_blocking(i).unwrap();
        }
        assert_eq!(rx.try_recv(), Some(0));
        assert_eq!(free(&tx), 0, "one place is held back");
        assert_eq!(rx.try_recv(), Some(1));
        assert_eq!(free(&tx), 2, "a quarter of the bound goes back at once");
        assert_eq!(rx.try_recv(), Some(2));
        assert_eq!(free(&tx), 2);
        tx.send_blocking(8).unwrap();
        tx.send_blocking(9).unwrap();
        let rest: Vec<u32> = std::iter::from_fn(|| rx.try_recv()).collect();
        assert_eq!(rest, [3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(free(&tx), 8, "an empty queue holds nothing back");
    }

    #[test]
    fn a_sender_waiting_on_a_full_channel_gets_on_once_the_receiver_takes_enough() {
        let (tx, rx) = bounded::<u32>(4);
        for i in 0..4 {
            tx.send_blocking(i).unwrap();
        }
        let sender = std::thread::spawn(move || (4..12).all(|i| tx.send_blocking(i).is_ok()));
        let got: Vec<u32> = std::iter::from_fn(|| rx.recv_blocking().ok()).collect();
        assert!(sender.join().unwrap());
        assert_eq!(got, (0..12).collect::<Vec<_>>());
    }

    #[test]
    fn senders_see_the_end_when_receivers_are_gone() {
        let (tx, rx) = bounded::<u32>(1);
        tx.send_blocking(1).unwrap();
        drop(rx);
        assert!(tx.send_blocking(2).is_err());
    }

    #[tokio::test]
    async fn async_send_waits_for_a_place() {
        let (tx, rx) = bounded::<u32>(1);
        tx.send(1).await.unwrap();
        let sender = tokio::spawn(async move { tx.send(2).await.is_ok() });
        tokio::task::yield_now().await;
        assert!(!sender.is_finished());
        assert_eq!(rx.try_recv(), Some(1));
        assert!(sender.await.unwrap());
        assert_eq!(rx.try_recv(), Some(2));
    }
}

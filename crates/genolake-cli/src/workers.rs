//! Work shared out to threads: each thread takes the next item as it
//! finishes one, so a slow split does not hold the others back.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ScopedJoinHandle;

use anyhow::{Result, anyhow};

/// Runs `work(index, item)` on every item on `threads` threads; the results
/// come back in item order. After an error the threads take no new item,
/// and the first error (in item order) is returned.
pub fn in_order<I: Send, T: Send>(
    threads: usize,
    items: Vec<I>,
    what: &str,
    work: impl Fn(usize, I) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let failed = AtomicBool::new(false);
    let per_thread = std::thread::scope(|scope| {
        let handles = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let next = queue
                            .lock()
                            .map_err(|_| anyhow!("a {what} thread panicked"))?
                            .next();
                        let Some((index, item)) = next else { break };
                        match work(index, item) {
                            Ok(result) => done.push((index, result)),
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                return Err(e);
                            }
                        }
                    }
                    Ok(done)
                })
            })
            .collect();
        join_all(handles, what)
    })?;
    let mut done: Vec<(usize, T)> = Vec::with_capacity(count);
    done.extend(per_thread.into_iter().flatten());
    done.sort_by_key(|(index, _)| *index);
    Ok(done.into_iter().map(|(_, result)| result).collect())
}

/// Joins scoped threads in order; a panic becomes an error naming `what`.
/// Every thread is joined before the first error is returned.
pub fn join_all<T>(handles: Vec<ScopedJoinHandle<'_, Result<T>>>, what: &str) -> Result<Vec<T>> {
    let results: Vec<Result<T>> = handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow!("a {what} thread panicked")))
        })
        .collect();
    results.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order() {
        let items: Vec<u64> = (0..50).collect();
        let squares = in_order(3, items, "test", |index, item| {
            // Later items finish first.
            std::thread::sleep(std::time::Duration::from_micros(50 - item));
            Ok((index, item * item))
        })
        .unwrap();
        assert_eq!(
            squares,
            (0..50).map(|i| (i as usize, i * i)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_error_is_returned_and_stops_the_queue() {
        for threads in [1, 2] {
            let seen = std::sync::atomic::AtomicUsize::new(0);
            let err = in_order(threads, (0..1000).collect(), "test", |_, item: i32| {
                seen.fetch_add(1, Ordering::Relaxed);
                if item == 3 {
                    Err(anyhow!("item 3 is bad"))
                } else {
                    Ok(item)
                }
            })
            .unwrap_err();
            assert_eq!(err.to_string(), "item 3 is bad");
            // One thread takes nothing after the failing item; with more,
            // how far the others get before they see the failure is up to
            // the scheduler.
            if threads == 1 {
                assert_eq!(seen.load(Ordering::Relaxed), 4);
            }
        }
    }

    #[test]
    fn a_panic_is_an_error() {
        let err = in_order(2, vec![1, 2], "test", |_, item: i32| {
            assert!(item != 2, "boom");
            Ok(item)
        })
        .unwrap_err();
        assert!(err.to_string().contains("test thread panicked"), "{err}");
    }
}

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

/// What a producing thread tells the consumer of one item.
enum Message<T> {
    Output(T),
    Failed(anyhow::Error),
    Done,
}

/// Runs `produce(item, emit)` on every item on `threads` threads and hands
/// everything each emits to `consume` on the calling thread, in item order
/// and in the order emitted: a stream in order, without holding it all.
/// Each item's output waits in a queue of `depth`; a producer blocks when
/// its queue is full, so memory is bounded by the threads × `depth`
/// outputs. The first error (a producer's, in item order, or the
/// consumer's) stops the work and is returned.
pub fn stream_in_order<I: Send, T: Send>(
    threads: usize,
    items: Vec<I>,
    depth: usize,
    what: &str,
    produce: impl Fn(I, &mut dyn FnMut(T) -> Result<()>) -> Result<()> + Sync,
    mut consume: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let mut receivers = Vec::with_capacity(items.len());
    let mut queued = Vec::with_capacity(items.len());
    for item in items {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Message<T>>(depth.max(1));
        receivers.push(receiver);
        queued.push((item, sender));
    }
    let queue = Mutex::new(queued.into_iter());
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let handles: Vec<ScopedJoinHandle<'_, Result<()>>> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        let next = queue
                            .lock()
                            .map_err(|_| anyhow!("a {what} thread panicked"))?
                            .next();
                        let Some((item, sender)) = next else { break };
                        let mut emit = |output: T| {
                            sender
                                .send(Message::Output(output))
                                .map_err(|_| anyhow!("{what}: the consumer stopped"))
                        };
                        let message = match produce(item, &mut emit) {
                            Ok(()) => Message::Done,
                            Err(e) => {
                                // Items before this one were all taken
                                // already: the consumer still gets them.
                                stop.store(true, Ordering::Relaxed);
                                Message::Failed(e)
                            }
                        };
                        // A consumer gone has its own error to report.
                        let _ = sender.send(message);
                    }
                    Ok(())
                })
            })
            .collect();
        let consumed = (|| {
            for receiver in &receivers {
                loop {
                    match receiver.recv() {
                        Ok(Message::Output(output)) => consume(output)?,
                        Ok(Message::Done) => break,
                        Ok(Message::Failed(e)) => return Err(e),
                        // The sender went without a word: its thread died.
                        Err(_) => return Err(anyhow!("a {what} thread stopped unexpectedly")),
                    }
                }
            }
            Ok(())
        })();
        if consumed.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Unblocks producers waiting on a full queue.
        drop(receivers);
        let joined = join_all(handles, what);
        consumed.and(joined.map(|_| ()))
    })
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
    fn a_stream_comes_out_in_item_then_emit_order() {
        let items: Vec<u64> = (0..20).collect();
        let mut seen = Vec::new();
        stream_in_order(
            3,
            items,
            1,
            "test",
            |item, emit| {
                std::thread::sleep(std::time::Duration::from_micros(200 - 10 * item));
                for k in 0..item % 4 {
                    emit((item, k))?;
                }
                Ok(())
            },
            |output| {
                seen.push(output);
                Ok(())
            },
        )
        .unwrap();
        let expected: Vec<(u64, u64)> = (0..20)
            .flat_map(|i| (0..i % 4).map(move |k| (i, k)))
            .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_stream_stops_at_the_first_error_of_either_side() {
        let failing = stream_in_order(
            2,
            (0..50).collect::<Vec<u32>>(),
            1,
            "test",
            |item, emit| {
                if item == 7 {
                    bail_test(item)?;
                }
                emit(item)
            },
            |_| Ok(()),
        );
        assert!(failing.unwrap_err().to_string().contains("item 7"));
        let mut taken = 0;
        let stopped = stream_in_order(
            2,
            (0..50).collect::<Vec<u32>>(),
            1,
            "test",
            |item, emit| emit(item),
            |item| {
                taken += 1;
                if item == 3 {
                    return Err(anyhow!("consumer refused item 3"));
                }
                Ok(())
            },
        );
        assert!(stopped.unwrap_err().to_string().contains("item 3"));
        assert_eq!(taken, 4);
    }

    fn bail_test(item: u32) -> Result<()> {
        Err(anyhow!("item {item} is bad"))
    }

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

//! Two pieces of one check run at once, on two cores: what an edit of a large file costs is
//! the longest chain of work, and the two halves of a long list, or the model's checks and
//! the simulation, do not wait for each other.

/// Runs `beside` on a thread of its own while `here` runs on this one, and returns both
/// results. When the system refuses a thread, `beside` runs here after `here`. A panic in
/// `beside` is resumed here.
pub fn join<A: Send, B>(beside: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    // Taken by whichever runs it: the thread, or this one when there is no thread.
    let beside = std::sync::Mutex::new(Some(beside));
    let run = || beside.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take().map(|beside| beside());
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().spawn_scoped(scope, run);
        let here = here();
        let beside = match thread {
            Ok(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => run(),
        };
        (beside.expect("`beside` runs once, on the thread or here"), here)
    })
}

/// `map` of each item of `items`, in order, the second half made on a thread of its own when
/// there are `at_least` items or more.
pub fn map<T: Sync, R: Send>(items: &[T], at_least: usize, map: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let map_all = |items: &[T]| items.iter().map(&map).collect::<Vec<R>>();
    if items.len() < at_least.max(2) {
        return map_all(items);
    }
    let (first, second) = items.split_at(items.len() / 2);
    let (second, mut first) = join(|| map_all(second), || map_all(first));
    first.extend(second);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_run_and_the_results_keep_their_order() {
        let items: Vec<usize> = (0..1000).collect();
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let doubled = map(&items, 10, |&n| {
            threads.lock().unwrap().insert(std::thread::current().id());
            n * 2
        });
        assert_eq!(doubled, (0..1000).map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(threads.lock().unwrap().len(), 2, "the halves ran on two threads");
        // Below the threshold, all on this thread.
        threads.lock().unwrap().clear();
        map(&items, 1001, |_| threads.lock().unwrap().insert(std::thread::current().id()));
        assert_eq!(*threads.lock().unwrap(), [std::thread::current().id()].into());
        assert_eq!(join(|| "beside", || "here"), ("beside", "here"));
    }
}

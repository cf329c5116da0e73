//! Handing freed memory back to the system between the pipeline's phases.
//!
//! Each phase frees most of what the one before it built (parse trees after the per-file
//! stage, facts once resolved, resolved parts once assembled) while the next allocates large
//! new blocks. mimalloc returns a freed page to the system only after a delay, and only from
//! the thread that owns it, so the next phase's blocks came on top of pages still resident:
//! at 50,000 files the peak was 60 MiB above what a collection at each boundary leaves.
//! Purging at every free (`MIMALLOC_PURGE_DELAY=0`) saved more but cost a tenth of the wall
//! time in `madvise` during the per-file stage, where every worker frees parse trees all the
//! time; a collection after the per-file stage, after the graph and after the graph rules cost
//! nothing measurable (the last took another 18 MiB off the peak). After the per-file stage,
//! frees are few and large (decoded facts, resolved parts, moved findings), so from there on
//! pages are purged as soon as they are free ([`PromptPurge`]).

/// Returns the freed memory of every thread of the current rayon pool, and this thread's, to
/// the system. A no-op with the system allocator (`--no-default-features`).
pub fn release() {
    #[cfg(feature = "mimalloc")]
    {
        // SAFETY: mi_collect only walks the calling thread's own heap; it has no preconditions.
        rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
        unsafe { libmimalloc_sys::mi_collect(true) };
    }
}

/// While alive, hands a freed page back to the system at once instead of after mimalloc's
/// delay (a second by default in mimalloc 3). For the project-wide stages: each frees blocks
/// as large as the next one allocates (a file's decoded facts, then its resolved part), and
/// with the delay the graph of a 50,000-file project was assembled on top of 60 MiB of freed,
/// still resident pages. Not for stages that free many small blocks, such as rendering a
/// report: a page purged, then faulted back in, every few findings. The delay in force before
/// is restored on drop. A no-op with the system allocator.
pub struct PromptPurge {
    #[cfg(feature = "mimalloc")]
    before: std::ffi::c_long,
}

/// `mi_option_purge_delay` in mimalloc's option enum (the same in mimalloc 2 and 3; the crate
/// exports no constant).
#[cfg(feature = "mimalloc")]
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

impl PromptPurge {
    pub fn start() -> PromptPurge {
        #[cfg(feature = "mimalloc")]
        // SAFETY: reads and sets one option word, which the allocator only reads.
        unsafe {
            let before = libmimalloc_sys::mi_option_get(PURGE_DELAY);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
            PromptPurge { before }
        }
        #[cfg(not(feature = "mimalloc"))]
        PromptPurge {}
    }
}

impl Drop for PromptPurge {
    fn drop(&mut self) {
        #[cfg(feature = "mimalloc")]
        // SAFETY: as in `start`.
        unsafe {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, self.before)
        };
    }
}

//! Decoding a position report allocates nothing: a counting global allocator proves it.
#![allow(unsafe_code)] // a GlobalAlloc wrapper is the only way to count allocations

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ais::{Body, Decoder, Output};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn position_reports_decode_without_allocating() {
    // Real lines from the shared corpora: plain, tag-blocked, time-appended, class B.
    let lines: [&[u8]; 6] = [
        b"!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27\r\n",
        b"!AIVDM,1,1,,A,139qWm0P00PPEm6M3Gj>4?vLR>`<,0*44\n",
        b"\\s:66,c:1661782474*36\\!AIVDM,1,1,,A,36=nR7OP0>69WMN3Gt:mu?w02000,0*07\n",
        b"!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E,1357134218\n",
        b"!AIVDM,1,1,,A,B3KLehP0B@LTN6`Vl;rrBE063P06,0*5A\n",
        b"!AIVDM,1,1,,B,35Mvli=000oRo`<CDfKJh1sF053k,0*4F\n",
    ];
    let mut decoder = Decoder::default();
    let mut positions = 0usize;
    let mut other = 0usize;
    let mut sink = |o: Output<'_>| match o {
        Output::Ais(d) if matches!(d.message.body, Body::Position(_) | Body::ClassB(_)) => {
            positions += usize::from(d.message.position().is_some())
        }
        _ => other += 1,
    };
    // Warm up: nothing lazily initialised may be counted against the steady state.
    for line in lines {
        decoder.decode_line(line, &mut sink);
    }
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..10_000 {
        for line in lines {
            decoder.decode_line(line, &mut sink);
        }
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    assert_eq!(other, 0, "every line must decode to a position report");
    assert_eq!(positions, 6 * 10_001);
    assert_eq!(
        allocations, 0,
        "{allocations} allocations over 60 000 position reports"
    );
}

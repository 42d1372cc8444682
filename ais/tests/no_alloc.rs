//! Decoding a position or static report allocates nothing: a counting global allocator
//! proves it. Counting is per thread, so the tests may run in parallel.
#![allow(unsafe_code)] // a GlobalAlloc wrapper is the only way to count allocations

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ais::{Body, Decoder, Output};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // try_with: the allocator also runs while thread-locals are being torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
    }
}

/// Allocations made by `f` on this thread.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Decodes `lines` once to warm up (nothing lazily initialised may count against the
/// steady state), then 10 000 times more, counting allocations.
fn steady_state_allocations(lines: &[&[u8]], sink: &mut impl FnMut(Output<'_>)) -> usize {
    let mut decoder = Decoder::default();
    for line in lines {
        decoder.decode_line(line, sink);
    }
    allocations_in(|| {
        for _ in 0..10_000 {
            for line in lines {
                decoder.decode_line(line, sink);
            }
        }
    })
}

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
    let mut positions = 0usize;
    let mut other = 0usize;
    let mut sink = |o: Output<'_>| match o {
        Output::Ais(d) if matches!(d.message.body, Body::Position(_) | Body::ClassB(_)) => {
            positions += usize::from(d.message.position().is_some())
        }
        _ => other += 1,
    };
    let allocations = steady_state_allocations(&lines, &mut sink);
    assert_eq!(other, 0, "every line must decode to a position report");
    assert_eq!(positions, 6 * 10_001);
    assert_eq!(
        allocations, 0,
        "{allocations} allocations over 60 000 position reports"
    );
}

#[test]
fn static_reports_decode_without_allocating() {
    // Real lines: type 5 in two fragments, type 24 parts A and B, two type 21.
    let lines: [&[u8]; 6] = [
        b"!AIVDM,2,1,3,B,55NBjP01mtGIL@CW;SM<D60P5Ld000000000000P0`<3557l0<50@kk@,0*66\n",
        b"!AIVDM,2,2,3,B,K5h@00000000000,2*72\n",
        b"!AIVDM,1,1,,B,H52PwgQDplU=@4d48hF08D5EAT0,2*62\n",
        b"!AIVDM,1,1,,A,H52OmIlTC=D7<5l00000001`1130,0*30\n",
        b"!AIVDM,1,1,,B,ENkb9OI9R@10dh0`8@9R@@@@@@@;kaCw9EE>`00003vP000,2*78\n",
        b"!AIVDM,1,1,,B,ENkb9Q961@1T6@0`@61@@@@@@@@;iOta9`pN000003vP000,2*4D\n",
    ];
    let (mut names, mut other) = (0usize, 0usize);
    let mut sink = |o: Output<'_>| match o {
        Output::Ais(d) => match &d.message.body {
            Body::StaticVoyage(v) => names += usize::from(!v.shipname.is_empty()),
            Body::StaticData(ais::message::StaticDataReport::PartA { shipname }) => {
                names += usize::from(!shipname.is_empty())
            }
            Body::StaticData(_) => names += 1,
            Body::AidToNavigation(a) => names += usize::from(!a.name.is_empty()),
            _ => other += 1,
        },
        _ => other += 1,
    };
    let allocations = steady_state_allocations(&lines, &mut sink);
    assert_eq!(other, 0, "every line must decode to a named static report");
    assert_eq!(names, 5 * 10_001);
    assert_eq!(
        allocations, 0,
        "{allocations} allocations over 50 000 static reports"
    );
}

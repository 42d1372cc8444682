//! A declarative bit layout: one table per fixed-layout message gives its struct, its
//! decoder and its encoder, so the three can never disagree.

/// `layout! { Name { field: type = kind(start, width), ... } end TOTAL }`
/// kinds: `u` unsigned, `i` signed, `b` flag, `t` 6-bit text (width in characters)
/// into a [`crate::text::Text`].
macro_rules! layout {
    (
        $(#[$m:meta])*
        $name:ident {
            $( $(#[$fm:meta])* $field:ident : $ty:ty = $kind:ident($start:expr, $width:expr) ),* $(,)?
        } end $total:expr
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name {
            $( $(#[$fm])* pub $field: $ty, )*
        }

        impl $name {
            /// Bits a full message of this layout occupies.
            #[allow(dead_code)]
            pub const BITS: usize = $total;

            pub(crate) fn decode_bits(b: &$crate::bits::Bits, base: usize) -> Self {
                $name { $( $field: $crate::message::layout::get!($kind, b, base + $start, $width, $ty), )* }
            }

            pub(crate) fn encode_bits(&self, w: &mut $crate::bits::BitWriter, base: usize) {
                $(
                    w.pad_to(base + $start);
                    $crate::message::layout::put!($kind, w, &self.$field, $width);
                )*
                w.pad_to(base + $total);
            }
        }
    };
}

macro_rules! get {
    (u, $b:expr, $s:expr, $w:expr, $ty:ty) => {
        $b.u($s, $w) as $ty
    };
    (i, $b:expr, $s:expr, $w:expr, $ty:ty) => {
        $b.i($s, $w) as $ty
    };
    (b, $b:expr, $s:expr, $w:expr, $ty:ty) => {
        $b.flag($s)
    };
    (t, $b:expr, $s:expr, $w:expr, $ty:ty) => {
        $b.text_inline($s, $w)
    };
}

macro_rules! put {
    (u, $w:expr, $v:expr, $width:expr) => {
        $w.u(*$v as u64, $width)
    };
    (i, $w:expr, $v:expr, $width:expr) => {
        $w.i(*$v as i64, $width)
    };
    (b, $w:expr, $v:expr, $width:expr) => {
        $w.flag(*$v)
    };
    (t, $w:expr, $v:expr, $width:expr) => {
        $w.text($v, $width)
    };
}

pub(crate) use {get, layout, put};

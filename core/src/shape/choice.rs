//! Choices: text columns with a CHECK enum (matched case-insensitively, sent in canonical case)
//! and booleans.

use std::marker::PhantomData;

use super::{scalar_kind, trim_blank, JsonType, KindInfo, Problem, Scalar, Shaped, SqlType};
use crate::error::code;

/// A Rust enum mirroring a CHECK enum. Declare one with `check_enum!`.
pub trait CheckEnum: Copy + Sized + 'static {
    /// The allowed values in canonical case, in the order of the CHECK constraint.
    const VALUES: &'static [&'static str];
    fn from_index(index: usize) -> Option<Self>;
    fn as_str(self) -> &'static str;

    /// Matches `s`, trimmed, ignoring ASCII case and treating space, `-` and `_` alike, so
    /// `"Deep Work"` and `"deep-work"` are `deep_work`.
    fn parse(s: &str) -> Option<Self> {
        Self::parse_trimmed(trim_blank(s)?)
    }

    /// [`CheckEnum::parse`] of a string already trimmed.
    fn parse_trimmed(t: &str) -> Option<Self> {
        position(Self::VALUES, t).and_then(Self::from_index)
    }
}

/// Where `t` is among `values`; not generic, so every enum shares the one copy.
fn position(values: &[&str], t: &str) -> Option<usize> {
    values.iter().position(|v| loose_eq(t, v))
}

#[inline]
fn loose_eq(given: &str, canonical: &str) -> bool {
    let sep = |b: u8| matches!(b, b' ' | b'-' | b'_');
    given.len() == canonical.len()
        && given
            .bytes()
            .zip(canonical.bytes())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b) || (sep(a) && sep(b)))
}

/// Declares a Rust enum for a CHECK enum: `check_enum! { pub enum Tier { Hot = "HOT", ... } }`.
/// It serialises as its canonical text.
macro_rules! check_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $crate::shape::CheckEnum for $name {
            const VALUES: &'static [&'static str] = &[$($text),+];
            fn from_index(index: usize) -> Option<Self> {
                const ALL: &[$name] = &[$($name::$variant),+];
                ALL.get(index).copied()
            }
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl $name {
            /// The canonical text, as the database stores it.
            pub fn as_str(self) -> &'static str {
                <Self as $crate::shape::CheckEnum>::as_str(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use check_enum;

/// A text column with a CHECK enum.
pub struct ChoiceSpec<E>(pub(crate) PhantomData<E>);

impl<E> Clone for ChoiceSpec<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for ChoiceSpec<E> {}

impl<E: CheckEnum> ChoiceSpec<E> {
    pub const fn info(&self) -> KindInfo {
        let mut i = KindInfo::new(JsonType::String, SqlType::Text);
        i.enum_values = E::VALUES;
        i.accepts = "matched ignoring case, with space, - and _ alike";
        i
    }
}

impl<E: CheckEnum> Scalar for ChoiceSpec<E> {
    type Out = E;
    fn expected(&self) -> &'static str {
        "one of the allowed values in a string"
    }
    fn on_str(&self, s: &str) -> Shaped<E> {
        let Some(t) = trim_blank(s) else {
            return Ok(None);
        };
        E::parse_trimmed(t).map(Some).ok_or_else(not_allowed::<E>)
    }
}

#[cold]
fn not_allowed<E: CheckEnum>() -> Problem {
    Problem::with_allowed(
        code::ENUM,
        format!("must be one of {}", E::VALUES.join(", ")),
        E::VALUES,
    )
}

impl<E: CheckEnum> super::Kind for ChoiceSpec<E> {
    type Out = E;
    fn shape<'de, D: serde::Deserializer<'de>>(&self, d: D) -> Result<Shaped<E>, D::Error> {
        let token = d.deserialize_any(super::TokenVisitor)?;
        Ok(self.on_token(token))
    }
}

/// `boolean`: `true`/`false`, or the strings `"true"`/`"false"` in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoolSpec;

impl BoolSpec {
    pub const fn info(&self) -> KindInfo {
        KindInfo::new(JsonType::Boolean, SqlType::Boolean)
    }
}

impl Scalar for BoolSpec {
    type Out = bool;
    fn expected(&self) -> &'static str {
        "true or false"
    }
    fn on_bool(&self, v: bool) -> Shaped<bool> {
        Ok(Some(v))
    }
    fn on_str(&self, s: &str) -> Shaped<bool> {
        let t = s.trim();
        if t.is_empty() {
            Ok(None)
        } else if t.eq_ignore_ascii_case("true") {
            Ok(Some(true))
        } else if t.eq_ignore_ascii_case("false") {
            Ok(Some(false))
        } else {
            Err(Problem::wrong_type("true or false", "another string"))
        }
    }
}

scalar_kind!(BoolSpec => bool);

#[cfg(test)]
mod tests {
    use super::super::testing::{code_of, shape_str};
    use super::super::*;

    check_enum! {
        /// For the tests.
        pub enum Block { FirstNinety = "first_90", DeepWork = "deep_work", Hot = "HOT" }
    }

    #[test]
    fn an_enum_value_is_matched_ignoring_case_and_sent_in_canonical_case() {
        assert_eq!(
            shape_str(&choice::<Block>(), r#"" Deep_Work ""#),
            Ok(Some(Block::DeepWork))
        );
        assert_eq!(
            shape_str(&choice::<Block>(), r#""hot""#),
            Ok(Some(Block::Hot))
        );
        assert_eq!(serde_json::to_string(&Block::Hot).unwrap(), r#""HOT""#);
    }

    #[test]
    fn spaces_dashes_and_underscores_are_alike_in_enum_values() {
        assert_eq!(
            shape_str(&choice::<Block>(), r#""deep work""#),
            Ok(Some(Block::DeepWork))
        );
        assert_eq!(
            shape_str(&choice::<Block>(), r#""FIRST-90""#),
            Ok(Some(Block::FirstNinety))
        );
    }

    #[test]
    fn an_unknown_enum_value_is_rejected_with_the_allowed_values() {
        let p = shape_str(&choice::<Block>(), r#""warm""#).unwrap_err();
        assert_eq!(p.code, code::ENUM);
        assert_eq!(p.allowed, &["first_90", "deep_work", "HOT"]);
        assert_eq!(p.message, "must be one of first_90, deep_work, HOT");
    }

    #[test]
    fn an_empty_enum_value_is_null() {
        assert_eq!(shape_str(&choice::<Block>(), r#""  ""#), Ok(None));
    }

    #[test]
    fn a_boolean_may_be_a_string() {
        assert_eq!(shape_str(&boolean(), "true"), Ok(Some(true)));
        assert_eq!(shape_str(&boolean(), r#"" FALSE ""#), Ok(Some(false)));
        assert_eq!(code_of(shape_str(&boolean(), r#""yes""#)), code::TYPE);
        assert_eq!(code_of(shape_str(&boolean(), "1")), code::TYPE);
    }
}

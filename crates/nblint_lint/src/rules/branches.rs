//! Branches that never run because of what the notebook passes or binds: a function's branch
//! no call takes, a branch a class constant switches off. NB202 asks them of its reads.

use std::collections::{HashMap, HashSet};

use nblint_facts::{
    CallSite, DefinitionKind, Given, NameUse, NotebookFacts, ParameterGuard, PassedLiterals,
};

/// How many times each name is bound, over every cell.
fn times_bound(facts: &NotebookFacts) -> HashMap<&str, usize> {
    let mut bindings: HashMap<&str, usize> = HashMap::new();
    for definition in facts.cells.iter().flatten().flat_map(|cell| &cell.defines) {
        *bindings.entry(definition.name.as_str()).or_default() += 1;
    }
    bindings
}

/// Every call of each function the notebook defines, with what it passes: which branches of
/// a function's body a call takes (see [`NameUse::parameter_guards`]).
pub(crate) struct FunctionCalls<'a> {
    calls: HashMap<&'a str, Vec<&'a CallSite>>,
    /// Functions some cell reads other than by calling them: handed on, they may be called
    /// with anything.
    handed_on: HashSet<&'a str>,
    /// How many times each name is bound, over every cell.
    bindings: HashMap<&'a str, usize>,
    /// Some cell calls or binds names chosen when it runs.
    any: bool,
    /// The answers of [`Self::never_taken`] so far, per test: many reads share one.
    taken: HashMap<&'a ParameterGuard, bool>,
    /// What the calls pass for each parameter asked of so far, by (function, position,
    /// name if it may be passed by name, default).
    passed: HashMap<Slot<'a>, PassedLiterals>,
}

/// One parameter of a function, as [`ParameterGuard`] says a call passes it.
type Slot<'a> = (&'a str, Option<usize>, Option<&'a str>, Option<&'a str>);

impl<'a> FunctionCalls<'a> {
    /// Reads the notebook's cells once.
    pub(crate) fn of(facts: &'a NotebookFacts) -> Self {
        let mut calls: HashMap<&str, Vec<&CallSite>> = HashMap::new();
        let mut handed_on = HashSet::new();
        let mut any = false;
        for cell in facts.cells.iter().flatten() {
            any |= cell.reads_unknown_names || cell.binds_unknown_names;
            for call in &cell.calls {
                calls.entry(call.function.as_str()).or_default().push(call);
            }
            handed_on.extend(cell.functions_handed_on.iter().map(String::as_str));
            handed_on.extend(
                cell.uses
                    .iter()
                    .filter(|use_| !use_.callee)
                    .map(|use_| use_.name.as_str()),
            );
        }
        Self {
            calls,
            handed_on,
            bindings: times_bound(facts),
            any,
            taken: HashMap::new(),
            passed: HashMap::new(),
        }
    }

    /// Whether `use_` sits in a branch of its function's body that no call takes: a test of
    /// a parameter against a constant fails for what every call passes (`def predict(source):
    /// if source == "T5": model = t5_model`, called only as `predict("ProtBERT")`). The
    /// function must be read nowhere but as a callee: then every call of it is a call of its
    /// name, even where the name is bound again (each definition's calls are among them).
    pub(crate) fn never_taken(&mut self, use_: &'a NameUse) -> bool {
        !self.any
            && use_.parameter_guards.iter().any(|guard| {
                if let Some(&never) = self.taken.get(guard) {
                    return never;
                }
                let function = guard.function.as_str();
                let never = self.only_called(function) && {
                    let slot = (
                        function,
                        guard.position,
                        guard.keyword.then_some(guard.guard.name.as_str()),
                        guard.default.as_deref(),
                    );
                    if !self.passed.contains_key(&slot) {
                        let mut passed = PassedLiterals::default();
                        self.collect(slot, PASSED_ON_DEPTH, &mut passed);
                        self.passed.insert(slot, passed);
                    }
                    self.passed
                        .get(&slot)
                        .is_some_and(|passed| guard.guard.fails_for_every(passed))
                };
                self.taken.insert(guard, never);
                never
            })
    }
}

impl<'a> FunctionCalls<'a> {
    /// Whether every call of `function` is one this reads: the notebook binds it and reads
    /// it nowhere but as a callee. Where the name is bound more than once (a function
    /// written again in a later cell), the calls of the name include every call of each
    /// definition; the others' calls only add values, so the test stays sound.
    fn only_called(&self, function: &str) -> bool {
        self.bindings.contains_key(function) && !self.handed_on.contains(function)
    }

    /// Adds to `passed` what every call of `slot`'s function gives that parameter; where a
    /// call passes on a parameter of the function it stands in (`def plot(df, color):
    /// scheme(color)`), what that function's own calls give it, up to `depth` calls deep.
    fn collect(&self, slot: Slot<'a>, depth: usize, passed: &mut PassedLiterals) {
        let (function, position, keyword, default) = slot;
        for call in self.calls.get(function).into_iter().flatten() {
            match call.gives(position, keyword, default) {
                Given::Literal(text) => passed.add(Some(text)),
                Given::PassedOn(parameter)
                    if depth > 0
                        && parameter.function != function
                        && self.only_called(&parameter.function) =>
                {
                    let caller = (
                        parameter.function.as_str(),
                        parameter.position,
                        parameter.keyword.then_some(parameter.name.as_str()),
                        parameter.default.as_deref(),
                    );
                    self.collect(caller, depth - 1, passed);
                }
                _ => passed.add(None),
            }
        }
    }
}

/// How many calls deep [`FunctionCalls::collect`] follows a parameter passed on.
const PASSED_ON_DEPTH: usize = 3;

/// The notebook's class constants: the literal each class attribute holds where nothing
/// changes it (Python's `class CFG: model = "bert"`), for the branches they switch off (see
/// [`NameUse::attribute_guards`]).
pub(crate) struct ClassConstants<'a> {
    /// (class, attribute) to the literal's text.
    constants: HashMap<(&'a str, &'a str), &'a str>,
}

impl<'a> ClassConstants<'a> {
    /// Reads the notebook's cells once. A constant counts where its class is bound once in
    /// the notebook, no other class binds the attribute (a subclass may give it another
    /// value), and no cell sets it on anything (`cfg.model = ..`, `setattr(..)`,
    /// `__dict__`) or binds names no one can list.
    pub(crate) fn of(facts: &'a NotebookFacts) -> Self {
        let mut constants = HashMap::new();
        let cells = || facts.cells.iter().flatten();
        if cells().any(|cell| cell.binds_unknown_names) {
            return Self { constants };
        }
        let stored: HashSet<&str> = cells()
            .flat_map(|cell| &cell.stored_attributes)
            .map(String::as_str)
            .collect();
        if stored.contains("*") {
            return Self { constants };
        }
        let classes = || {
            cells()
                .flat_map(|cell| &cell.defines)
                .filter(|definition| definition.kind == DefinitionKind::Type)
        };
        let mut classes_binding: HashMap<&str, usize> = HashMap::new();
        for (attribute, _) in classes().flat_map(|class| &class.constants) {
            *classes_binding.entry(attribute.as_str()).or_default() += 1;
        }
        let bindings = times_bound(facts);
        for class in classes().filter(|class| bindings.get(class.name.as_str()) == Some(&1)) {
            for (attribute, literal) in &class.constants {
                if classes_binding.get(attribute.as_str()) == Some(&1)
                    && !stored.contains(attribute.as_str())
                {
                    constants.insert((class.name.as_str(), attribute.as_str()), literal.as_str());
                }
            }
        }
        Self { constants }
    }

    /// Whether `use_` sits in a branch a class constant switches off: the test compares the
    /// attribute with a constant that the literal it holds fails (`if self.kind == "hf":`
    /// where `Config` binds `kind = "ollama"`).
    pub(crate) fn never_holds(&self, use_: &NameUse) -> bool {
        use_.attribute_guards.iter().any(|guard| {
            guard
                .name
                .split_once('.')
                .and_then(|key| self.constants.get(&key))
                .is_some_and(|literal| guard.fails_for(literal))
        })
    }
}

#[cfg(test)]
mod tests {
    use nblint_facts::{BranchGuard, CellFacts, Definition, ParameterGuard, Span};

    use super::*;

    fn read(name: &str) -> NameUse {
        NameUse {
            deferred: true,
            ..NameUse::new(name, Span::new(0, 1))
        }
    }

    fn equal_to(name: &str, constant: &str) -> BranchGuard {
        BranchGuard {
            name: name.to_owned(),
            equal: true,
            constant: constant.to_owned(),
            truthiness: false,
        }
    }

    fn call(arguments: &[Option<&str>], keywords: &[(&str, &str)]) -> CallSite {
        CallSite {
            function: "predict".to_owned(),
            arguments: arguments.iter().map(|a| a.map(str::to_owned)).collect(),
            keywords: keywords
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
                .collect(),
            unpacked: false,
            passed_on: Vec::new(),
        }
    }

    fn notebook(cells: Vec<CellFacts>) -> NotebookFacts {
        NotebookFacts {
            cells: cells.into_iter().map(Some).collect(),
        }
    }

    #[test]
    fn a_branch_no_call_takes_needs_every_call_seen() {
        let definer = CellFacts {
            defines: vec![Definition::new(
                "predict",
                DefinitionKind::Function,
                Span::new(0, 7),
            )],
            ..CellFacts::default()
        };
        let use_ = NameUse {
            parameter_guards: vec![ParameterGuard {
                function: "predict".to_owned(),
                position: Some(0),
                keyword: true,
                default: Some("\"bert\"".to_owned()),
                guard: equal_to("source", "\"T5\""),
            }],
            ..read("t5_model")
        };
        let taken = |calls: Vec<CallSite>, extra: CellFacts| {
            let caller = CellFacts {
                calls,
                ..CellFacts::default()
            };
            let facts = notebook(vec![definer.clone(), caller, extra]);
            !FunctionCalls::of(&facts).never_taken(&use_)
        };
        let nothing = CellFacts::default;
        // By position, by keyword, through the default.
        assert!(!taken(vec![call(&[Some("\"bert\"")], &[])], nothing()));
        assert!(!taken(
            vec![call(&[], &[("source", "\"bert\"")])],
            nothing()
        ));
        assert!(!taken(vec![call(&[], &[])], nothing()));
        // One call passes the constant, or something not written as a literal.
        assert!(taken(
            vec![call(&[Some("\"bert\"")], &[]), call(&[Some("\"T5\"")], &[])],
            nothing()
        ));
        assert!(taken(vec![call(&[None], &[])], nothing()));
        let unpacked = CallSite {
            unpacked: true,
            ..call(&[], &[])
        };
        assert!(taken(vec![unpacked], nothing()));
        // Handed on, or names chosen at run time: any call may take it.
        let handed_on = CellFacts {
            functions_handed_on: vec!["predict".to_owned()],
            ..CellFacts::default()
        };
        assert!(taken(vec![call(&[Some("\"bert\"")], &[])], handed_on));
        let passed = CellFacts {
            uses: vec![read("predict")],
            ..CellFacts::default()
        };
        assert!(taken(vec![call(&[Some("\"bert\"")], &[])], passed));
        // Bound twice (written again in a later cell): every call of the name is seen, and
        // one passing the constant, meant for either definition, may take the branch.
        assert!(!taken(
            vec![call(&[Some("\"bert\"")], &[])],
            definer.clone()
        ));
        let rewritten_and_called = CellFacts {
            calls: vec![call(&[Some("\"T5\"")], &[])],
            ..definer.clone()
        };
        assert!(taken(
            vec![call(&[Some("\"bert\"")], &[])],
            rewritten_and_called
        ));
        let unknown = CellFacts {
            reads_unknown_names: true,
            ..CellFacts::default()
        };
        assert!(taken(vec![call(&[Some("\"bert\"")], &[])], unknown));
    }

    #[test]
    fn a_class_constant_holds_where_nothing_else_binds_the_attribute() {
        let class = |name: &str, model: &str| CellFacts {
            defines: vec![Definition {
                constants: vec![("model".to_owned(), model.to_owned())],
                ..Definition::new(name, DefinitionKind::Type, Span::new(0, 3))
            }],
            ..CellFacts::default()
        };
        let use_ = NameUse {
            attribute_guards: vec![equal_to("CFG.model", "\"t5\"")],
            ..read("T5Tokenizer")
        };
        let switched_off =
            |cells: Vec<CellFacts>| ClassConstants::of(&notebook(cells)).never_holds(&use_);
        assert!(switched_off(vec![class("CFG", "\"bert\"")]));
        assert!(!switched_off(vec![class("CFG", "\"t5\"")]));
        // A subclass binding the attribute, a cell setting it (by name or not), the class
        // bound twice.
        assert!(!switched_off(vec![
            class("CFG", "\"bert\""),
            class("Big", "\"t5\"")
        ]));
        for stored in ["model", "*"] {
            let setter = CellFacts {
                stored_attributes: vec![stored.to_owned()],
                ..CellFacts::default()
            };
            assert!(!switched_off(vec![class("CFG", "\"bert\""), setter]));
        }
        assert!(!switched_off(vec![
            class("CFG", "\"bert\""),
            class("CFG", "\"bert\"")
        ]));
    }
}

"""Linear's query complexity, computed the way https://linear.app/developers/rate-limiting
describes it, from the parsed document and the schema's types."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    parse,
)

MAX_COMPLEXITY = 10_000


# -- complexity ----------------------------------------------------------------------------------
def complexity(schema: GraphQLSchema, query: str, variables: Mapping[str, Any] | None) -> int:
    """Linear's documented rule: 0.1 per property, 1 per object, a connection multiplies its
    children by its ``first`` (default 50); the sum is rounded up. ``@include(if: false)``
    parts cost nothing."""
    doc = parsed(query)
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    variables = variables or {}
    total = 0.0
    for op in ops[:1]:
        root = schema.mutation_type if op.operation.value == "mutation" else schema.query_type
        assert root is not None
        total += _cost(schema, root, op.selection_set, frags, variables)
    return math.ceil(round(total, 6))


@lru_cache(maxsize=256)
def parsed(query: str) -> Any:
    return parse(query)


def _skipped(node: Any, variables: Mapping[str, Any]) -> bool:
    for d in node.directives or ():
        arg = next((a for a in d.arguments if a.name.value == "if"), None)
        if arg is None:
            continue
        value = (
            variables.get(arg.value.name.value)
            if isinstance(arg.value, VariableNode)
            else getattr(arg.value, "value", True)
        )
        if (d.name.value == "include" and not value) or (d.name.value == "skip" and value):
            return True
    return False


def _first(node: FieldNode, variables: Mapping[str, Any]) -> int:
    for a in node.arguments or ():
        if a.name.value == "first":
            if isinstance(a.value, IntValueNode):
                return int(a.value.value)
            if isinstance(a.value, VariableNode):
                v = variables.get(a.value.name.value)
                return int(v) if v is not None else 50
    return 50


def _cost(
    schema: GraphQLSchema,
    parent: Any,
    selections: SelectionSetNode | None,
    frags: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> float:
    if selections is None:
        return 0.0
    total = 0.0
    for sel in selections.selections:
        if _skipped(sel, variables):
            continue
        if isinstance(sel, FragmentSpreadNode):
            frag = frags[sel.name.value]
            total += _cost(
                schema,
                schema.get_type(frag.type_condition.name.value),
                frag.selection_set,
                frags,
                variables,
            )
        elif isinstance(sel, InlineFragmentNode):
            target = (
                schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
            )
            total += _cost(schema, target, sel.selection_set, frags, variables)
        elif isinstance(sel, FieldNode):
            if sel.name.value.startswith("__"):
                continue
            fdef: GraphQLField = parent.fields[sel.name.value]
            ftype = get_named_type(fdef.type)
            if is_leaf_type(ftype):
                total += 0.1
            elif isinstance(ftype, GraphQLObjectType) and ftype.name.endswith("Connection"):
                total += _first(sel, variables) * _cost(
                    schema, ftype, sel.selection_set, frags, variables
                )
            elif parent.name.endswith("Connection") and sel.name.value in ("nodes", "edges"):
                total += 1 + _cost(schema, ftype, sel.selection_set, frags, variables)
            else:
                total += 1 + _cost(schema, ftype, sel.selection_set, frags, variables)
    return total

"""Parameters in the SQL files: a list fills `in (:name)`, and a misuse names the file. Two
ways, the same answers: written into the text (Spark, Athena) or bound by DuckDB."""

import duckdb
import pytest

from horror_lake.engines.sql import SqlError, filled, for_duckdb, prepared, translate

QUERY = "select title_id from titles where title_id in (:listed) and year >= :since"


def titles() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table titles as select * from (values ('tt1', 1990), ('tt2', 2001), "
                "('tt3', 2005)) as t(title_id, year)")  # fmt: skip
    return con


def written_in(query: str, parameters: dict[str, object]) -> list[str]:
    sql = translate(filled(query, parameters, "q.sql"), "duckdb")
    return sorted(row[0] for row in titles().sql(sql).fetchall())


def bound(query: str, parameters: dict[str, object]) -> list[str]:
    sql, values = for_duckdb(query, parameters, "q.sql")
    assert "tt1" not in sql and "2000" not in sql  # no value in the text
    return sorted(row[0] for row in titles().execute(sql, values).fetchall())


WAYS = [written_in, bound]


@pytest.mark.parametrize("run", WAYS)
def test_a_list_fills_in_and_an_empty_list_matches_nothing(run) -> None:  # type: ignore[no-untyped-def]
    assert run(QUERY, {"listed": ["tt1", "tt2", "tt9"], "since": 2000}) == ["tt2"]
    assert run(QUERY, {"listed": [], "since": 0}) == []
    assert run(QUERY, {"listed": "tt3", "since": 0}) == ["tt3"]  # one value is a list of one
    negated = QUERY.replace(" in (", " not in (")
    assert run(negated, {"listed": ["tt1"], "since": 0}) == ["tt2", "tt3"]


@pytest.mark.parametrize("run", WAYS)
def test_a_list_anywhere_else_or_a_missing_value_names_the_file(run) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SqlError, match=r"q\.sql: the list :since can only be used as `in"):
        run(QUERY, {"listed": ["tt1"], "since": [2000]})
    with pytest.raises(SqlError, match=r"q\.sql: no value for the parameter :listed"):
        run(QUERY, {"since": 2000})


def test_a_list_parameter_used_as_a_value_too_is_refused_before_it_runs() -> None:
    query = "select title_id from titles where title_id in (:listed) or title_id = :listed"
    with pytest.raises(SqlError, match=r"q\.sql: :listed is used both as a list"):
        prepared(query, "q.sql")

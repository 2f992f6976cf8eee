"""Parameters in the SQL files: a list fills `in (:name)`, and a misuse names the file."""

import duckdb
import pytest

from horror_lake.engines.sql import SqlError, fill_parameters, parse, to_sql, translate

QUERY = "select title_id from titles where title_id in (:listed) and year >= :since"


def run(parameters: dict[str, object]) -> list[str]:
    sql = translate(to_sql(fill_parameters(parse(QUERY, "q.sql"), parameters, "q.sql")), "duckdb")
    con = duckdb.connect()
    con.execute("create table titles as select * from (values ('tt1', 1990), ('tt2', 2001), "
                "('tt3', 2005)) as t(title_id, year)")  # fmt: skip
    return sorted(row[0] for row in con.sql(sql).fetchall())


def test_a_list_fills_in_and_an_empty_list_matches_nothing() -> None:
    assert run({"listed": ["tt1", "tt2", "tt9"], "since": 2000}) == ["tt2"]
    assert run({"listed": [], "since": 0}) == []


def test_a_list_anywhere_else_or_a_missing_value_names_the_file() -> None:
    with pytest.raises(SqlError, match=r"q\.sql: the list :since can only be used as `in"):
        run({"listed": ["tt1"], "since": [2000]})
    with pytest.raises(SqlError, match=r"q\.sql: no value for the parameter :listed"):
        run({"since": 2000})

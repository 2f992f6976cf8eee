-- SQL macros: rules written once that any model, view or dashboard query may call. Before a
-- statement reaches an engine, a call such as clean_text(genero) is replaced by the body below
-- with the argument put in, so DuckDB and Spark run the same expanded Spark SQL. Macros may
-- call macros. Syntax: macro name(parameter, ...) as <Spark SQL expression or query>;
-- A macro whose body is a query is called where a table goes, its parameters naming tables.

-- A source field as text: trimmed, with the exports' \N and empty fields as null.
macro clean_text(value) as nullif(nullif(trim(value), '\\N'), '');

-- Whether a source id is an IMDb title id: tt and digits, once trimmed (never null).
macro is_title_id(value) as coalesce(trim(value) rlike '^tt[0-9]+$', false);

-- A comma-separated source field as the list of its non-empty items, in source order.
macro text_list(value) as filter(split(clean_text(value), '\\s*,\\s*'), item -> item != '');

-- A source field as a whole number (null when it is not one), and as a decimal number.
macro as_int(value) as try_cast(clean_text(value) as int);
macro as_bigint(value) as try_cast(clean_text(value) as bigint);
macro as_double(value) as try_cast(clean_text(value) as double);

-- Each title's first line in a raw export (the exports repeat a title on each of its artist
-- lines, so the first one in the file speaks for the title), with its trimmed id as title_id.
-- Lines whose id is not a title id are left out.
macro first_title_lines(lines) as
    select trim(lines.id) as title_id, lines.*
    from lines
    inner join (
        select min(line_number) as first_line
        from lines
        where is_title_id(id)
        group by trim(id)
    ) as firsts on lines.line_number = firsts.first_line;

-- A key that stays put: the same value gives the same bigint on every date, engine and order
-- of runs (the first 60 bits of its MD5), so ids never shift when a new value shows up.
macro stable_id(value) as cast(conv(substr(md5(value), 1, 15), 16, 10) as bigint);

-- Whether a title is horror: Horror is one of its (IMDb) genres.
macro is_horror(genres) as coalesce(array_contains(genres, 'Horror'), false);

-- An artist's key: the CSVs carry no IMDb person id, so an artist is their name and birth year.
macro artist_id(name, birth_year) as
    stable_id(concat(name, '|', coalesce(cast(birth_year as string), '')));

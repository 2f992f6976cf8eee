-- trusted_movies
-- Grain: one row per movie title (IMDb tt id). The source repeats a title on every artist
-- line; the title's first line in the file is kept. Lines whose id is not a tt id are left
-- out (they stay in raw_movies).

with

source_lines as (
    select * from raw_movies
),

first_line_per_title as (
    select
        trim(id) as title_id,
        min(line_number) as line_number
    from source_lines
    where trim(id) rlike '^tt[0-9]+$'
    group by trim(id)
),

title_lines as (
    select source_lines.*
    from source_lines
    inner join first_line_per_title
        on source_lines.line_number = first_line_per_title.line_number
),

nulls_resolved as (
    select
        trim(id) as title_id,
        nullif(nullif(trim(tituloPincipal), '\\N'), '') as primary_title,
        nullif(nullif(trim(tituloOriginal), '\\N'), '') as original_title,
        nullif(nullif(trim(anoLancamento), '\\N'), '') as release_year,
        nullif(nullif(trim(tempoMinutos), '\\N'), '') as runtime_minutes,
        nullif(nullif(trim(genero), '\\N'), '') as genres,
        nullif(nullif(trim(notaMedia), '\\N'), '') as average_rating,
        nullif(nullif(trim(numeroVotos), '\\N'), '') as vote_count
    from title_lines
),

final as (
    select
        title_id,
        primary_title,
        original_title,
        try_cast(release_year as int) as release_year,
        try_cast(runtime_minutes as int) as runtime_minutes,
        array_sort(array_distinct(
            filter(split(genres, '\\s*,\\s*'), genre -> genre != '')
        )) as genres,
        try_cast(average_rating as double) as average_rating,
        try_cast(vote_count as bigint) as vote_count
    from nulls_resolved
)

select * from final

-- trusted_artists
-- Grain: one row per title x artist (title_id, artist_name), movies and series together.
-- Lines without an artist name or a tt id are left out; when a title lists the same artist
-- twice, its first line wins (movies.csv before series.csv).

with

movie_lines as (
    select
        'movie' as title_type,
        trim(id) as title_id,
        nullif(nullif(trim(nomeArtista), '\\N'), '') as artist_name,
        line_number
    from raw_movies
),

series_lines as (
    select
        'series' as title_type,
        trim(id) as title_id,
        nullif(nullif(trim(nomeArtista), '\\N'), '') as artist_name,
        line_number
    from raw_series
),

artist_lines as (
    select * from movie_lines
    union all
    select * from series_lines
),

first_line_per_artist as (
    select title_type, line_number
    from (
        select
            title_type,
            line_number,
            row_number() over (
                partition by title_id, artist_name order by title_type, line_number
            ) as line_rank
        from artist_lines
        where title_id rlike '^tt[0-9]+$' and artist_name is not null
    ) as ranked
    where line_rank = 1
),

source_lines as (
    select 'movie' as title_type, id, generoArtista, personagem, nomeArtista, anoNascimento,
        anoFalecimento, profissao, titulosMaisConhecidos, line_number
    from raw_movies
    union all
    select 'series' as title_type, id, generoArtista, personagem, nomeArtista, anoNascimento,
        anoFalecimento, profissao, titulosMaisConhecidos, line_number
    from raw_series
),

artist_rows as (
    select source_lines.*
    from source_lines
    inner join first_line_per_artist
        on source_lines.title_type = first_line_per_artist.title_type
        and source_lines.line_number = first_line_per_artist.line_number
),

nulls_resolved as (
    select
        trim(id) as title_id,
        title_type,
        trim(nomeArtista) as artist_name,
        lower(nullif(nullif(trim(generoArtista), '\\N'), '')) as artist_gender,
        nullif(nullif(trim(personagem), '\\N'), '') as character_name,
        nullif(nullif(trim(anoNascimento), '\\N'), '') as birth_year,
        nullif(nullif(trim(anoFalecimento), '\\N'), '') as death_year,
        nullif(nullif(trim(profissao), '\\N'), '') as professions,
        nullif(nullif(trim(titulosMaisConhecidos), '\\N'), '') as known_for_title_ids
    from artist_rows
),

final as (
    select
        title_id,
        title_type,
        artist_name,
        case
            when artist_gender in ('actress', 'f', 'female') then 'female'
            when artist_gender in ('actor', 'm', 'male') then 'male'
            else artist_gender
        end as artist_gender,
        character_name,
        try_cast(birth_year as int) as birth_year,
        try_cast(death_year as int) as death_year,
        filter(split(professions, '\\s*,\\s*'), profession -> profession != '')
            as professions,
        filter(split(known_for_title_ids, '\\s*,\\s*'), known_id -> known_id != '')
            as known_for_title_ids
    from nulls_resolved
)

select * from final

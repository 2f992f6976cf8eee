-- trusted_artists
-- Grain: one row per title x artist (title_id, artist_name), movies and series together.
-- Lines without an artist name or a tt id are left out; when a title lists the same artist
-- twice, the first line wins.

with

movie_lines as (
    select
        'movie' as title_type,
        id,
        generoArtista,
        personagem,
        nomeArtista,
        anoNascimento,
        anoFalecimento,
        profissao,
        titulosMaisConhecidos,
        line_number
    from raw_movies
),

series_lines as (
    select
        'series' as title_type,
        id,
        generoArtista,
        personagem,
        nomeArtista,
        anoNascimento,
        anoFalecimento,
        profissao,
        titulosMaisConhecidos,
        line_number
    from raw_series
),

source_lines as (
    select * from movie_lines
    union all
    select * from series_lines
),

nulls_resolved as (
    select
        title_type,
        nullif(nullif(trim(id), '\\N'), '') as title_id,
        nullif(nullif(trim(nomeArtista), '\\N'), '') as artist_name,
        lower(nullif(nullif(trim(generoArtista), '\\N'), '')) as artist_gender,
        nullif(nullif(trim(personagem), '\\N'), '') as character_name,
        nullif(nullif(trim(anoNascimento), '\\N'), '') as birth_year,
        nullif(nullif(trim(anoFalecimento), '\\N'), '') as death_year,
        nullif(nullif(trim(profissao), '\\N'), '') as professions,
        nullif(nullif(trim(titulosMaisConhecidos), '\\N'), '') as known_for_title_ids,
        line_number
    from source_lines
),

typed as (
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
        filter(
            transform(split(professions, ','), profession -> trim(profession)),
            profession -> profession != ''
        ) as professions,
        filter(
            transform(split(known_for_title_ids, ','), known_id -> trim(known_id)),
            known_id -> known_id != ''
        ) as known_for_title_ids,
        line_number
    from nulls_resolved
    where title_id rlike '^tt[0-9]+$' and artist_name is not null
),

first_line_per_artist as (
    select
        *,
        row_number() over (
            partition by title_id, artist_name order by title_type, line_number
        ) as line_rank
    from typed
),

final as (
    select
        title_id,
        title_type,
        artist_name,
        artist_gender,
        character_name,
        birth_year,
        death_year,
        professions,
        known_for_title_ids
    from first_line_per_artist
    where line_rank = 1
)

select * from final

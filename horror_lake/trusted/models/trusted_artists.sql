-- trusted_artists: who is in each title, movies and series together (see trusted_artists.yml).

with

artist_lines as (
    select
        'movie' as title_type, id, generoArtista, personagem, nomeArtista, anoNascimento,
        anoFalecimento, profissao, titulosMaisConhecidos, line_number
    from raw_movies
    union all
    select
        'series' as title_type, id, generoArtista, personagem, nomeArtista, anoNascimento,
        anoFalecimento, profissao, titulosMaisConhecidos, line_number
    from raw_series
),

named_lines as (
    select
        trim(id) as title_id,
        clean_text(nomeArtista) as artist_name,
        *
    from artist_lines
    where is_title_id(id) and clean_text(nomeArtista) is not null
),

-- A title that lists an artist twice keeps its first line (movies.csv before series.csv).
first_line_per_artist as (
    select
        *,
        row_number() over (
            partition by title_id, artist_name order by title_type, line_number
        ) as line_rank
    from named_lines
),

final as (
    select
        title_id,
        title_type,
        artist_name,
        case
            when lower(clean_text(generoArtista)) in ('actress', 'f', 'female') then 'female'
            when lower(clean_text(generoArtista)) in ('actor', 'm', 'male') then 'male'
            else lower(clean_text(generoArtista))
        end as artist_gender,
        clean_text(personagem) as character_name,
        as_int(anoNascimento) as birth_year,
        as_int(anoFalecimento) as death_year,
        text_list(profissao) as professions,
        text_list(titulosMaisConhecidos) as known_for_title_ids
    from first_line_per_artist
    where line_rank = 1
)

select * from final

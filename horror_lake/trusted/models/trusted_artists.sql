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
        title_type,
        line_number,
        named_struct(
            'title_type', title_type,
            'gender', lower(clean_text(generoArtista)),
            'character_name', clean_text(personagem),
            'birth_year', as_int(anoNascimento),
            'death_year', as_int(anoFalecimento),
            'professions', profissao,
            'known_for_title_ids', titulosMaisConhecidos
        ) as artist_line
    from artist_lines
    where is_title_id(id) and clean_text(nomeArtista) is not null
),

-- A title that lists an artist twice keeps its first line (movies.csv before series.csv): one
-- pass that keeps, per title and artist, the line with the smallest (file, line number). The
-- two lists are split after it, from the kept line's text: lists carried through the pass cost
-- DuckDB 0.2 s more at full size (2.37 s against 2.17 s).
first_line_per_artist as (
    select
        title_id,
        artist_name,
        min_by(artist_line, named_struct('title_type', title_type, 'line', line_number)) as line
    from named_lines
    group by title_id, artist_name
),

final as (
    select
        title_id,
        line.title_type,
        artist_name,
        case
            when line.gender in ('actress', 'f', 'female') then 'female'
            when line.gender in ('actor', 'm', 'male') then 'male'
            else line.gender
        end as artist_gender,
        line.character_name,
        line.birth_year,
        line.death_year,
        text_list(line.professions) as professions,
        text_list(line.known_for_title_ids) as known_for_title_ids
    from first_line_per_artist
)

select * from final

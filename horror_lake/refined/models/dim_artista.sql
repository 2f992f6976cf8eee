-- dim_artista: every artist, with the number of horror titles they are credited on (see
-- dim_artista.yml).

with

credits as (
    select * from trusted_credits
),

horror_titles as (
    select title_id from dim_filme
),

-- What the CSVs say of an artist (gender, death year, professions): their first title's line.
csv_facts_per_person as (
    select
        artist_name,
        birth_year,
        min_by(
            named_struct(
                'gender', artist_gender,
                'death_year', death_year,
                'professions', professions
            ),
            title_id
        ) as facts
    from trusted_artists
    group by artist_name, birth_year
),

csv_facts as (
    select artist_id(artist_name, birth_year) as artist_id, facts
    from csv_facts_per_person
),

per_artist as (
    select
        credits.artist_id,
        min(credits.artist_name) as artist_name,
        min(credits.birth_year) as birth_year,
        min(credits.tmdb_person_id) as tmdb_person_id,
        count(distinct horror_titles.title_id) as horror_titles
    from credits
    left join horror_titles on credits.title_id = horror_titles.title_id
    group by credits.artist_id
),

final as (
    select
        per_artist.artist_id,
        per_artist.artist_name,
        csv_facts.facts.gender as artist_gender,
        per_artist.birth_year,
        csv_facts.facts.death_year,
        csv_facts.facts.professions,
        per_artist.tmdb_person_id,
        per_artist.horror_titles
    from per_artist
    left join csv_facts on per_artist.artist_id = csv_facts.artist_id
)

select * from final

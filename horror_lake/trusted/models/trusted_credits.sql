-- trusted_credits: who is credited on each title, from the CSVs and TMDB, each person under one
-- identity (see trusted_credits.yml).

with

csv_credits as (
    select title_id, artist_name, birth_year, character_name from trusted_artists
),

tmdb_credits as (
    select
        tmdb.imdb_id as title_id,
        credit.person_id as tmdb_person_id,
        trim(credit.name) as artist_name,
        credit.role,
        credit.character_name,
        credit.billing_order
    from trusted_tmdb as tmdb
    lateral view explode(tmdb.credits) credit_rows as credit
),

-- A TMDB person is the CSV artist of the same name on a title both credit; the first such
-- title (by id) settles the person's identity for all their TMDB credits.
person_matches as (
    select
        tmdb_credits.tmdb_person_id,
        min_by(
            named_struct('name', csv_credits.artist_name, 'birth_year', csv_credits.birth_year),
            csv_credits.title_id
        ) as artist
    from tmdb_credits
    inner join csv_credits
        on tmdb_credits.title_id = csv_credits.title_id
        and tmdb_credits.artist_name = csv_credits.artist_name
    group by tmdb_credits.tmdb_person_id
),

tmdb_identified as (
    select
        tmdb_credits.title_id,
        coalesce(person_matches.artist.name, tmdb_credits.artist_name) as artist_name,
        person_matches.artist.birth_year,
        tmdb_credits.tmdb_person_id,
        tmdb_credits.role,
        tmdb_credits.character_name,
        tmdb_credits.billing_order
    from tmdb_credits
    left join person_matches on tmdb_credits.tmdb_person_id = person_matches.tmdb_person_id
),

-- One TMDB credit per title and person: an acting credit before a directing one.
tmdb_per_title as (
    select
        title_id,
        artist_name,
        birth_year,
        min_by(
            named_struct(
                'tmdb_person_id', tmdb_person_id,
                'role', role,
                'character_name', character_name,
                'billing_order', billing_order
            ),
            named_struct('is_director', role = 'director', 'billing_order', billing_order)
        ) as credit
    from tmdb_identified
    group by title_id, artist_name, birth_year
),

merged as (
    select
        coalesce(csv_credits.title_id, tmdb_per_title.title_id) as title_id,
        coalesce(csv_credits.artist_name, tmdb_per_title.artist_name) as artist_name,
        coalesce(csv_credits.birth_year, tmdb_per_title.birth_year) as birth_year,
        coalesce(csv_credits.character_name, tmdb_per_title.credit.character_name)
            as character_name,
        tmdb_per_title.credit.role as tmdb_role,
        tmdb_per_title.credit.billing_order,
        tmdb_per_title.credit.tmdb_person_id,
        case
            when csv_credits.title_id is null then 'tmdb'
            when tmdb_per_title.title_id is null then 'imdb'
            else 'imdb+tmdb'
        end as credit_source
    from csv_credits
    full outer join tmdb_per_title
        on csv_credits.title_id = tmdb_per_title.title_id
        and csv_credits.artist_name = tmdb_per_title.artist_name
        and csv_credits.birth_year <=> tmdb_per_title.birth_year
),

final as (
    select
        title_id,
        artist_id(artist_name, birth_year) as artist_id,
        artist_name,
        birth_year,
        character_name,
        tmdb_role,
        billing_order,
        tmdb_person_id,
        credit_source
    from merged
)

select * from final

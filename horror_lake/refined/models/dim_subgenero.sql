-- dim_subgenero: horror subgenres and the TMDB keywords that mark them (see dim_subgenero.yml).
-- The list is fixed here, so subgenre_id is stable; each keyword belongs to one subgenre only.

with

subgenres as (
    select * from values
        (1, 'slasher', 'slasher', array('slasher', 'serial killer', 'masked killer')),
        (2, 'zombie', 'zumbi', array('zombie', 'zombie apocalypse', 'living dead')),
        (3, 'vampire', 'vampiro', array('vampire', 'vampirism', 'dracula')),
        (4, 'found footage', 'found footage', array('found footage', 'mockumentary')),
        (5, 'supernatural', 'sobrenatural',
            array('supernatural', 'ghost', 'haunted house', 'haunting', 'poltergeist')),
        (6, 'possession', 'possessão',
            array('possession', 'demonic possession', 'exorcism', 'demon')),
        (7, 'psychological', 'psicológico',
            array('psychological horror', 'psychological thriller', 'paranoia', 'madness')),
        (8, 'folk horror', 'folk horror', array('folk horror', 'pagan', 'cult', 'witchcraft')),
        (9, 'body horror', 'body horror',
            array('body horror', 'mutation', 'parasite', 'transformation')),
        (10, 'creature', 'criatura',
            array('monster', 'creature feature', 'werewolf', 'giant monster', 'alien')),
        (11, 'occult', 'ocultismo', array('occult', 'satanism', 'ritual', 'curse')),
        (12, 'survival', 'sobrevivência', array('survival horror', 'home invasion', 'survival'))
        as t(subgenre_id, subgenre_name, subgenre_name_pt, keywords)
),

final as (
    select
        cast(subgenre_id as int) as subgenre_id,
        subgenre_name,
        subgenre_name_pt,
        keywords
    from subgenres
)

select * from final

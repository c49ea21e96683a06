"""Demo articles, authors and survivors' stories, written for this shop.

Facts come from the public sources each article cites; the wording is ours. The authors'
profiles and the stories are illustrative and say so on the page.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone

from sqlalchemy import select

from shop.catalog.models import Product
from shop.content.models import Article, ArticleCategory, ArticleProduct, ArticleReference, ArticleStatus, Author, Tag
from shop.extensions import db
from shop.testimonials.models import StorySource, Testimonial

AUTHORS = [
    {
        "slug": "hannah-okafor",
        "name": "Dr Hannah Okafor",
        "credentials": "Doctor of Physical Therapy",
        "bio": "Hannah has worked in stroke rehabilitation for fifteen years, in hospital wards, outpatient "
        "clinics and people's homes. She writes about practice that fits into everyday life.\n\n"
        "*A sample profile written for the demo shop.*",
        "photo_path": "img/authors/hannah-okafor.svg",
        "photo_alt": "An illustrated portrait: a woman with short dark hair and a blue top",
    },
    {
        "slug": "samuel-reyes",
        "name": "Dr Samuel Reyes",
        "credentials": "Doctor of Medicine, consultant in stroke medicine",
        "bio": "Samuel looks after people in the first weeks after a stroke and follows many of them for years. "
        "He reviews our articles on medicines and supplements.\n\n*A sample profile written for the demo shop.*",
        "photo_path": "img/authors/samuel-reyes.svg",
        "photo_alt": "An illustrated portrait: a man with grey hair and glasses",
    },
]

CATEGORIES = [
    ("stroke-recovery", "Stroke recovery", "How recovery after a stroke works, and what helps it along.", 1),
    ("hand-and-arm", "Hand & arm", "Practice for the hand, wrist and arm, at home and at your own pace.", 2),
    ("supplements-and-safety", "Supplements & safety", "What the evidence says about supplements and remedies, and how to stay safe with them.", 3),
    ("for-carers", "For carers", "For the partners, family and friends who help with recovery every day.", 4),
]

TAGS = {
    "magnesium": "Magnesium", "supplements": "Supplements", "medicines": "Medicines", "neuroplasticity": "Neuroplasticity",
    "exercise": "Exercise", "hand": "Hand", "practice": "Practice at home", "carers": "Carers", "evidence": "Evidence",
}

AHA_GUIDELINE = (
    "Guidelines for Adult Stroke Rehabilitation and Recovery: a guideline for healthcare professionals",
    "American Heart Association / American Stroke Association, Stroke (2016)",
    "https://www.ahajournals.org/doi/10.1161/STR.0000000000000098",
)
MEDLINEPLUS_STROKE = ("Stroke", "MedlinePlus, U.S. National Library of Medicine", "https://medlineplus.gov/stroke.html")
TASK_TRAINING_REVIEW = (
    "Repetitive task training for improving functional ability after stroke",
    "Cochrane Database of Systematic Reviews (2016)",
    "https://www.cochranelibrary.com/cdsr/doi/10.1002/14651858.CD006073.pub3/full",
)

MAGNESIUM_BODY = """\
Magnesium oil is a strong solution of magnesium chloride that people spray or rub onto their skin.
Some websites say it eases stiff muscles after a stroke or even helps the brain heal. Here is what
the research says, in plain words.

## What magnesium does in the body

Magnesium is a mineral. Your body uses it for hundreds of jobs, including how nerves send signals
and how muscles tighten and relax.[[ref:1]] Most people get enough from food: leafy greens, beans,
nuts, seeds and whole grains are all good sources.

## Magnesium and stroke: what studies found

**Stroke risk.** Studies that followed large groups of people for years found that those who ate
more magnesium had a slightly lower risk of stroke.[[ref:2]] Other studies found no clear link, and
studies like these cannot show that magnesium itself was the reason. So the picture is mixed.

**In hospital.** Some hospital studies found that people admitted with an ischaemic stroke (a stroke
caused by a clot) who had low magnesium in their blood were more likely to die in hospital.[[ref:4]]
This is an association. Low magnesium may be a sign of how unwell someone already is, rather than a
cause.

**As a treatment.** A large trial gave magnesium through a drip to people within two hours of a
stroke, before they reached hospital. It did not improve how well they had recovered three months
later.[[ref:3]]

## Does magnesium oil on the skin help?

We found no good evidence that it does. Skin is a strong barrier, and a review of the research on
"transdermal" magnesium found no reliable proof that useful amounts get through.[[ref:5]] We know of
no trials of magnesium oil in stroke rehabilitation.

If people feel better after using it, there are other good explanations:

- **Massage.** Rubbing anything into a stiff arm or hand moves the muscles and can feel soothing.
- **Motivation.** A daily routine of caring for the weak side keeps it in mind and can lead to more use.
- **Expectation.** Believing something will help can change how we feel (the placebo effect).

## Staying safe with magnesium

Food magnesium is safe for almost everyone. Supplements are different:[[ref:1]][[ref:6]]

- The recommended amount from food and supplements together is **420 mg a day for men over 30**
  and **320 mg a day for women over 30** (310 mg for women aged 19 to 30).
- Adults should not take more than 350 mg a day **from supplements** unless a doctor advises it.
  Too much can cause diarrhoea, and very high amounts can be dangerous.
- Magnesium can **interact with medicines**, including some blood-pressure medicines (calcium channel
  blockers), muscle relaxants, and some antibiotics (such as tetracyclines and quinolones). It can also
  stop some osteoporosis medicines from working well.
- People with **kidney disease** should not take magnesium supplements without their doctor's advice.

## What is proven to help

The treatment with the strongest evidence for getting movement back is **practice**: doing useful
movements, many times, day after day. This is called repetitive task practice, and stroke guidelines
recommend it.[[ref:7]] It works through **neuroplasticity**, the brain's ability to build new
connections when we practise.

If you want to do something every day for a weak hand, practising its movements is the best use of
that time. A trainer that counts your repetitions can make the practice easier to keep up.

[[product:steadyhand-trainer]]

## The short answer

Magnesium matters for health, and low levels are worth checking with your doctor. But there is no
good evidence that magnesium oil on the skin helps stroke recovery. If you enjoy it as part of a
massage, it is unlikely to harm you. Spend your effort on practice, and ask your doctor or pharmacist
before you take any magnesium supplement.
"""

NEUROPLASTICITY_BODY = """\
After a stroke, part of the brain is damaged. Cells in that area cannot be brought back. Yet many
people slowly regain movement, speech and skills. How? The answer is **neuroplasticity**: the brain's
ability to change its connections.

## The brain changes with use

Every time you practise a movement, the nerve cells involved send signals to each other. Connections
that are used again and again become stronger. Nearby, healthy areas of the brain can take over some of
the work the damaged area used to do.[[ref:1]]

Researchers who study this have described a few simple rules:[[ref:1]]

- **Use it or lose it.** Skills that are not used fade.
- **Use it and improve it.** Practice makes the connections stronger.
- **Be specific.** The brain gets better at the exact thing you practise. Squeezing a ball helps with
  squeezing; practising picking up a cup helps with cups.
- **Repeat, repeat, repeat.** Change takes many repetitions, often hundreds.
- **Make it matter.** Practice that means something to you (making tea, holding a grandchild's hand)
  is easier to keep up.

## How much practice?

Far more than most people get. One study that watched therapy sessions counted only a few dozen
repetitions of arm movements per session.[[ref:2]] Recovery guidelines encourage plenty of practice of
real-life tasks, in hospital and at home.[[ref:3]]

That is why practice at home matters so much: it is where the hours are.

## Is it ever too late?

Recovery is usually fastest in the first weeks and months. But the brain stays able to change for
life. Many people keep improving years after their stroke, especially when they keep practising.[[ref:3]]

[[product:steadyhand-trainer]]

## Where to start

Ask your therapist which movements to practise, and how many. Start small, rest when you are tired,
and count your progress over weeks, not days.[[ref:4]]
"""

HAND_BODY = """\
A weak or stiff hand is one of the most common and frustrating effects of a stroke. The good news is
that the hand can often relearn, with lots of the right practice.[[ref:1]] Here are exercises many
therapists use. **Please check with your therapist first** which ones suit you, and stop if anything hurts.

## Before you start

- Sit in a steady chair at a table, with your weaker arm resting on the table.
- Have a non-slip mat or a damp tea towel under your hand and objects.
- Practise little and often: two or three short sessions a day are better than one long one.
- Never pull on a weak arm or let it hang: the shoulder can be injured easily.

## Exercises for the hand and arm

1. **Tabletop slides.** Rest your hand flat on a towel and slide it forward and back, then side to
   side. Let your stronger hand help if needed.
2. **Grasp and release.** Close your hand around a soft ball or rolled-up sock, hold for a count of
   three, then open your fingers as wide as you can.
3. **Finger lifts.** With your palm flat on the table, lift each finger one at a time.
4. **Thumb touches.** Touch the tip of your thumb to the tip of each finger in turn.
5. **Pinch and place.** Pick up small objects such as clothes pegs or large buttons and put them in a
   bowl.
6. **Wrist lifts.** Rest your forearm on the table with your hand over the edge, and lift your hand up
   and down slowly.

If your grip is weak, a strap can hold your hand on a handle so you can practise arm movements
without dropping anything.

[[product:assist-strap]]

## Make practice count

Doing the same movement many times is what drives recovery.[[ref:2]] Practising real tasks (turning a
tap, lifting a cup) helps the brain link the movement to daily life.[[ref:1]] Counting repetitions can
help you see progress you might otherwise miss.

[[product:steadyhand-trainer]]

## Mirror therapy

In mirror therapy you move your stronger hand while watching its reflection in a mirror, so it looks
like the weaker hand is moving. Studies suggest it may help movement for some people.[[ref:3]] Ask your
therapist to show you how to set it up.

## When to get help

Tell your therapist or doctor if you notice new pain, swelling, a change in skin colour, or if the hand
becomes stiffer. These need checking.
"""

CARERS_BODY = """\
If you care for someone after a stroke, you may spend more time with them than any therapist. A calm,
ready-to-use place to practise makes daily practice much easier for both of you.

## Choose the spot

- A table at elbow height when sitting, and a steady chair with arms.
- Good light, and the weaker side facing into the room so it is not ignored.
- Everything within reach: a non-slip mat, the exercises, a water glass.

[[product:non-slip-mat]]

## Keep sessions short and regular

Tiredness (fatigue) is very common after a stroke.[[ref:1]] Two or three sessions of 10 to 20 minutes
often work better than one long session. Plan them for the time of day with the most energy.

## Help without taking over

It is natural to want to do things for the person you care for. But the brain relearns through the
person's own effort.[[ref:2]] Try to:

- Wait a little longer before helping.
- Help only as much as needed, then step back.
- Praise effort, not only results.
- Notice small gains: one more repetition, a slightly longer reach.

## Keep a simple log

Write down each session: what was practised and how many times. Over weeks, the log shows progress that
is hard to see from day to day, and it is useful to share with the therapist.

[[product:home-recovery-bundle]]

## Look after yourself too

Caring is demanding. Take breaks, accept help, and talk to your doctor if you feel low or
exhausted.[[ref:3]]
"""

ARTICLES = [
    {
        "slug": "does-magnesium-oil-help-stroke-recovery",
        "title": "Does magnesium oil help stroke recovery?",
        "summary": "What research says about magnesium and stroke, whether magnesium oil on the skin does anything, "
        "how to stay safe with supplements, and what is proven to help movement come back.",
        "body": MAGNESIUM_BODY,
        "hero": ("img/articles/magnesium.svg", "A small spray bottle beside a bowl of leafy greens, nuts and seeds"),
        "safety_note": "Magnesium supplements can interact with some blood-pressure medicines (calcium channel "
        "blockers), muscle relaxants, some antibiotics and osteoporosis medicines, and can be risky with kidney "
        "disease. Ask your doctor or pharmacist before taking them.",
        "author": "hannah-okafor",
        "reviewer": "samuel-reyes",
        "reviewed_on": date(2026, 9, 1),
        "published_at": datetime(2026, 9, 15, 9, 0, tzinfo=timezone.utc),
        "categories": ["supplements-and-safety", "stroke-recovery"],
        "tags": ["magnesium", "supplements", "medicines", "evidence"],
        "products": ["steadyhand-trainer"],
        "references": [
            ("Magnesium: Fact Sheet for Health Professionals", "NIH Office of Dietary Supplements",
             "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/"),
            ("Dietary magnesium intake and risk of stroke: a meta-analysis of prospective studies (Larsson, Orsini and Wolk, 2012)",
             "PubMed, National Library of Medicine",
             "https://pubmed.ncbi.nlm.nih.gov/?term=Dietary+magnesium+intake+and+risk+of+stroke+a+meta-analysis+of+prospective+studies"),
            ("Prehospital use of magnesium sulfate as neuroprotection in acute stroke (the FAST-MAG trial)",
             "New England Journal of Medicine (2015)", "https://www.nejm.org/doi/full/10.1056/NEJMoa1408827"),
            ("Studies of serum magnesium and in-hospital mortality after acute ischaemic stroke",
             "PubMed, National Library of Medicine",
             "https://pubmed.ncbi.nlm.nih.gov/?term=serum+magnesium+in-hospital+mortality+acute+ischemic+stroke"),
            ("Myth or reality: transdermal magnesium?", "Nutrients (2017)", "https://doi.org/10.3390/nu9080813"),
            ("Magnesium", "MedlinePlus, U.S. National Library of Medicine", "https://medlineplus.gov/druginfo/natural/998.html"),
            AHA_GUIDELINE,
        ],
    },
    {
        "slug": "what-is-neuroplasticity",
        "title": "What is neuroplasticity? How the brain relearns after a stroke",
        "summary": "The brain can build new connections at any age. Here is how that works after a stroke, and why "
        "practice, lots of it, is what drives recovery.",
        "body": NEUROPLASTICITY_BODY,
        "hero": ("img/articles/neuroplasticity.svg", "A simple drawing of a brain with new pathways lighting up between its areas"),
        "safety_note": "",
        "author": "hannah-okafor",
        "reviewer": "samuel-reyes",
        "reviewed_on": date(2026, 3, 2),
        "published_at": datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc),
        "categories": ["stroke-recovery"],
        "tags": ["neuroplasticity", "practice", "evidence"],
        "products": ["steadyhand-trainer"],
        "references": [
            ("Principles of experience-dependent neural plasticity: implications for rehabilitation after brain damage (Kleim and Jones, 2008)",
             "PubMed, National Library of Medicine",
             "https://pubmed.ncbi.nlm.nih.gov/?term=Principles+of+experience-dependent+neural+plasticity+Kleim+Jones"),
            ("Observation of amounts of movement practice provided during stroke rehabilitation (Lang and others, 2009)",
             "PubMed, National Library of Medicine",
             "https://pubmed.ncbi.nlm.nih.gov/?term=Observation+of+amounts+of+movement+practice+provided+during+stroke+rehabilitation"),
            AHA_GUIDELINE,
            MEDLINEPLUS_STROKE,
        ],
    },
    {
        "slug": "exercises-for-hand-recovery-after-stroke",
        "title": "Exercises for hand recovery after a stroke",
        "summary": "Six simple hand and arm exercises to practise at a table at home, how to make practice count, "
        "and when to ask for help.",
        "body": HAND_BODY,
        "hero": ("img/articles/hand-exercises.svg", "A hand resting on a table, reaching towards a soft ball and a few clothes pegs"),
        "safety_note": "",
        "author": "hannah-okafor",
        "reviewer": None,
        "reviewed_on": None,
        "published_at": datetime(2026, 5, 14, 9, 0, tzinfo=timezone.utc),
        "categories": ["hand-and-arm"],
        "tags": ["hand", "exercise", "practice"],
        "products": ["steadyhand-trainer", "assist-strap", "resistance-band-set"],
        "references": [
            AHA_GUIDELINE,
            TASK_TRAINING_REVIEW,
            ("Mirror therapy for improving motor function after stroke", "Cochrane Database of Systematic Reviews (2018)",
             "https://www.cochranelibrary.com/cdsr/doi/10.1002/14651858.CD008449.pub3/full"),
        ],
    },
    {
        "slug": "home-practice-corner-guide-for-carers",
        "title": "Setting up a home practice corner: a guide for carers",
        "summary": "Where to practise, how long, and how to help without taking over: practical steps for the people "
        "who support a stroke survivor at home.",
        "body": CARERS_BODY,
        "hero": ("img/articles/practice-corner.svg", "A table by a window with a chair, a mat and a small trainer set out for practice"),
        "safety_note": "",
        "author": "hannah-okafor",
        "reviewer": None,
        "reviewed_on": None,
        "published_at": datetime(2026, 7, 8, 9, 0, tzinfo=timezone.utc),
        "categories": ["for-carers", "stroke-recovery"],
        "tags": ["carers", "practice"],
        "products": ["home-recovery-bundle", "non-slip-mat", "carers-guide"],
        "references": [
            ("Stroke: recovery", "NHS", "https://www.nhs.uk/conditions/stroke/recovery/"),
            TASK_TRAINING_REVIEW,
            MEDLINEPLUS_STROKE,
        ],
    },
]

ILLUSTRATIVE_CONSENT = "Not applicable: an illustrative composite written by our team, not a real person"

TESTIMONIALS = [
    {
        "slug": "maria-hand-movement-five-years-on",
        "display_name": "Maria",
        "headline": "See how a survivor regained hand movement five years after a stroke",
        "quote": "I had stopped expecting anything from my right hand. Now I can hold a cup of tea with it again.",
        "story": "My stroke was five years ago. After the first year of therapy I was told I had probably got back what "
        "I was going to get back, and I believed it. My right hand stayed curled on my lap.\n\n"
        "My daughter read about practising at home and set up the trainer on the kitchen table. At first I could "
        "barely squeeze it. The app counted every try, and seeing the number go up each week kept me going.\n\n"
        "It was slow. After about four months I could open my fingers far enough to pick up a cup. I still use my "
        "left hand for most things, but I hold my tea with my right, and that means a lot to me.",
        "condition": "Ischaemic stroke, weakness in the right hand",
        "time_since_stroke": "Five years",
        "photo": ("img/testimonials/maria.svg", "An illustration of a woman holding a cup of tea in both hands"),
        "product": "steadyhand-trainer",
        "featured": True,
        "position": 1,
        "disclosure": "",
    },
    {
        "slug": "tom-a-daily-routine-together",
        "display_name": "Tom",
        "headline": "A husband's view: building a daily practice routine together",
        "quote": "Twenty minutes after breakfast became our time. Some days it's hard, but we haven't missed many.",
        "story": "I care for my wife, Ruth, who had a stroke eight months ago. When she came home I didn't know how to "
        "help her keep up the exercises from the hospital.\n\n"
        "We cleared a corner of the dining table, put down the mat and kept everything there, so there was nothing "
        "to set up. Twenty minutes after breakfast became our time.\n\n"
        "The hardest part for me was not jumping in to help. Ruth's therapist told me to wait and let her try. "
        "Ruth now reaches much further across the table than she did in the spring.",
        "condition": "Stroke affecting the left arm; Tom is her husband and carer",
        "time_since_stroke": "Eight months",
        "photo": ("img/testimonials/tom.svg", "An illustration of an older man and woman sitting together at a table"),
        "product": "home-recovery-bundle",
        "featured": True,
        "position": 2,
        "disclosure": "Tom received the bundle at a discount in return for feedback on our setup guide.",
    },
    {
        "slug": "dev-arm-eighteen-months-on",
        "display_name": "Dev",
        "headline": "Getting my arm back into the game, eighteen months on",
        "quote": "The strap meant I could practise with my arm even when my hand wouldn't hold on.",
        "story": "Eighteen months after my stroke my shoulder and elbow were getting stronger, but my grip wasn't. "
        "Every arm exercise ended with my hand slipping off.\n\n"
        "With the strap holding my hand in place I could practise reaching and pushing for as long as my arm "
        "allowed. My therapist added more arm practice to my plan once she saw I could do it at home.\n\n"
        "My grip is still weak, but I can reach the top shelf again, and I'm working on the rest.",
        "condition": "Haemorrhagic stroke, weakness in the left arm and hand",
        "time_since_stroke": "Eighteen months",
        "photo": ("img/testimonials/dev.svg", "An illustration of a man reaching up to a shelf"),
        "product": "assist-strap",
        "featured": True,
        "position": 3,
        "disclosure": "",
    },
]


def seed_content() -> Iterator[str]:
    products = {p.slug: p for p in db.session.scalars(select(Product))}
    authors = {a.slug: a for a in db.session.scalars(select(Author))}
    for spec in AUTHORS:
        if spec["slug"] not in authors:
            authors[spec["slug"]] = Author(**spec)
            db.session.add(authors[spec["slug"]])
    categories = {c.slug: c for c in db.session.scalars(select(ArticleCategory))}
    for slug, name, description, position in CATEGORIES:
        if slug not in categories:
            categories[slug] = ArticleCategory(slug=slug, name=name, description=description, position=position)
            db.session.add(categories[slug])
    tags = {t.slug: t for t in db.session.scalars(select(Tag))}
    for slug, name in TAGS.items():
        if slug not in tags:
            tags[slug] = Tag(slug=slug, name=name)
            db.session.add(tags[slug])

    existing_articles = set(db.session.scalars(select(Article.slug)))
    added_articles = 0
    for spec in ARTICLES:
        if spec["slug"] in existing_articles:
            continue
        article = Article(
            slug=spec["slug"], title=spec["title"], summary=spec["summary"], body=spec["body"],
            hero_image_path=spec["hero"][0], hero_image_alt=spec["hero"][1], safety_note=spec["safety_note"],
            status=ArticleStatus.PUBLISHED, published_at=spec["published_at"],
            author=authors[spec["author"]], reviewer=authors.get(spec["reviewer"] or ""), reviewed_on=spec["reviewed_on"],
            categories=[categories[c] for c in spec["categories"]], tags=[tags[t] for t in spec["tags"]],
            references=[ArticleReference(position=i, title=t, source=s, url=u) for i, (t, s, u) in enumerate(spec["references"])],
            featured_links=[
                ArticleProduct(product=products[slug], position=i) for i, slug in enumerate(spec["products"]) if slug in products
            ],
        )
        db.session.add(article)
        added_articles += 1

    existing_stories = set(db.session.scalars(select(Testimonial.slug)))
    added_stories = 0
    for spec in TESTIMONIALS:
        if spec["slug"] in existing_stories:
            continue
        fields = {k: v for k, v in spec.items() if k not in {"photo", "product"}}
        db.session.add(Testimonial(
            **fields, photo_path=spec["photo"][0], photo_alt=spec["photo"][1], product=products.get(spec["product"]),
            published=True, illustrative=True, source=StorySource.STAFF, consent_scope=ILLUSTRATIVE_CONSENT,
        ))
        added_stories += 1
    db.session.commit()
    yield f"content: {added_articles} articles added, {len(existing_articles)} already there"
    yield f"testimonials: {added_stories} stories added, {len(existing_stories)} already there"

"""The 'ready in N seconds' planner on a table of fake machine timings (issue 20): every plan is predicted within
its budget, the best-looking fitting render is the one picked, and a budget nobody meets names the fastest option."""
import pytest

from neurocanvas.engines.time_budget import BUDGETS, NoPlan, Option, Speed, candidates, plan, predict, speed_from

TURBO = Option("sd-turbo", "SD-Turbo", 1, 4, 1, quality=2, tiny_vae=True)
LCM = Option("lcm", "LCM Dreamshaper", 2, 8, 4, quality=3, tiny_vae=True)
SDXS = Option("sdxs", "SDXS", 1, 1, 1, quality=1)
OPTIONS = [TURBO, LCM, SDXS]

MACHINES = {  # seconds per step and per decode at 512x512, as measured on three kinds of CPU (bench columns A-C)
    "avx512": {"sd-turbo": Speed(3.9, 0.45, 5), "lcm": Speed(3.6, 0.45, 5), "sdxs": Speed(1.6, 1.3, 5)},
    "amx": {"sd-turbo": Speed(6.4, 0.7, 5), "lcm": Speed(5.8, 0.7, 5), "sdxs": Speed(2.9, 2.2, 5)},
    "avx2": {"sd-turbo": Speed(13.5, 1.1, 5), "lcm": Speed(12.0, 1.1, 5), "sdxs": Speed(6.0, 4.5, 5)},
}


@pytest.mark.parametrize("machine", MACHINES)
@pytest.mark.parametrize("budget", [b for b in BUDGETS.values() if b is not None])
def test_every_plan_is_predicted_within_its_budget(machine, budget):
    speeds = MACHINES[machine]
    try:
        chosen = plan(budget, OPTIONS, speeds)
    except NoPlan as refused:
        fastest = min(predict(speeds[o.model_id], s, z, z) for o in OPTIONS for s, z in candidates(o))
        assert fastest > budget and f"takes about {fastest:.1f} s" in str(refused)
        return
    assert chosen.predicted_s <= budget
    assert chosen.predicted_s == pytest.approx(predict(speeds[chosen.model_id], chosen.steps, chosen.width, chosen.height),
                                               abs=0.01)
    better = [(o, s, z) for o in OPTIONS for s, z in candidates(o)
              if predict(speeds[o.model_id], s, z, z) <= budget
              and (z, o.quality, s) > (chosen.width, next(x.quality for x in OPTIONS if x.model_id == chosen.model_id),
                                       chosen.steps)]
    assert better == []  # nothing larger, of a better model, or with more steps also fits


def test_a_bigger_budget_never_plans_a_smaller_picture():
    for speeds in MACHINES.values():
        sizes = []
        for budget in (5.0, 15.0, 60.0):
            try:
                sizes.append(plan(budget, OPTIONS, speeds).width)
            except NoPlan:
                sizes.append(0)
        assert sizes == sorted(sizes)


def test_the_plans_on_a_fast_and_a_slow_machine():
    assert plan(15.0, OPTIONS, MACHINES["avx512"]).describe() == (
        "For the 15 s budget: LCM Dreamshaper, 4 step(s) at 512x512 with the tiny VAE, ready in about 14.8 s on this "
        "machine.")
    slow = plan(5.0, OPTIONS, MACHINES["avx2"])
    assert (slow.model_id, slow.width, slow.steps) == ("sdxs", 320, 1)
    with pytest.raises(NoPlan, match=r"No installed model is ready in 2 s .* SDXS with 1 step\(s\) at 256x256, takes about 2.6 s"):
        plan(2.0, OPTIONS, MACHINES["avx2"])


def test_best_quality_is_the_best_model_at_its_own_steps_and_size():
    best = plan(None, OPTIONS, MACHINES["avx2"])
    assert (best.model_id, best.steps, best.width, best.budget_s) == ("lcm", 4, 512, None)
    assert best.describe().startswith("For best quality: LCM Dreamshaper, 4 step(s)")


def test_models_without_timings_are_left_out_and_none_at_all_asks_for_a_calibration():
    assert plan(60.0, OPTIONS, {"sdxs": MACHINES["avx2"]["sdxs"]}).model_id == "sdxs"
    with pytest.raises(NoPlan, match="press Calibrate"):
        plan(5.0, OPTIONS, {})
    with pytest.raises(NoPlan, match="No text-to-image model is installed"):
        plan(5.0, [], {})
    with pytest.raises(NoPlan, match="above 0"):
        plan(-1.0, OPTIONS, MACHINES["avx2"])


def test_speed_comes_from_finished_runs_per_step_per_image_and_per_area():
    history = [({"num_inference_steps": 2, "batch_size": 2, "width": 256, "height": 256, "tiny_vae": True},
                {"denoise": 2.0, "decode": 0.1}),  # 0.5 s a step for a quarter frame: 2.0 s a 512 frame
               ({"num_inference_steps": 4, "strength": 0.5, "width": 512, "height": 512, "tiny_vae": False},
                {"denoise": 4.0, "decode": 2.0}),  # image to image: 2 steps ran
               ({"num_inference_steps": 1, "width": 512, "height": 512}, {})]  # no timings: ignored
    speed = speed_from(history, tiny_vae=True)
    assert speed.runs == 2 and speed.step_s == pytest.approx(2.0) and speed.decode_s == pytest.approx(0.2)
    assert speed_from(history, tiny_vae=False).decode_s == pytest.approx(2.0)
    assert speed_from([], tiny_vae=True) is None


def test_runs_at_two_sizes_separate_the_fixed_part_from_the_part_that_grows():
    def run(size, steps, seconds):
        return {"num_inference_steps": steps, "width": size, "height": size, "tiny_vae": True}, {
            "denoise": seconds, "decode": 0.1 * size * size / 512**2}

    # 2 s fixed + 3 s per step of a 512 frame, and one run slowed by another program
    history = [run(128, 1, 2 + 3 / 16), run(256, 1, 2 + 3 / 4), run(512, 1, 5.0), run(256, 2, 3.5), run(256, 1, 9.0)]
    speed = speed_from(history, tiny_vae=True)
    assert speed.fixed_s == pytest.approx(2.0, abs=0.05) and speed.step_s == pytest.approx(3.0, abs=0.05)
    assert predict(speed, 1, 512, 512) == pytest.approx(5.1, abs=0.1)  # a proportional model said 11.5 s here

import { defineEntity, p } from '@mikro-orm/core';
import { Task } from './task.entity.ts';
import { Worker } from './worker.entity.ts';

/**
 * A worker that refused a task (bad signature, no sandbox, the volunteer's preferences): the task
 * went back to the queue with its attempt uncounted, and is never leased to that worker again.
 */
const TaskRefusalSchema = defineEntity({
  name: 'TaskRefusal',
  properties: {
    task: () => p.manyToOne(Task).ref().primary().deleteRule('cascade'),
    worker: () => p.manyToOne(Worker).ref().primary().deleteRule('cascade').index(),
    code: p.string().length(64),
    reason: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class TaskRefusal extends TaskRefusalSchema.class {}
TaskRefusalSchema.setClass(TaskRefusal);
